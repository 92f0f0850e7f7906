/**
 * Class labels as retrain.py made them from folder names, so that a model
 * retrained here names its classes exactly as the codelab's did.
 */

/**
 * retrain.py: `re.sub(r'[^a-z0-9]+', ' ', dir_name.lower())`: lowercase, then
 * each run of characters outside a–z and 0–9 becomes one space. Leading and
 * trailing runs stay (as a space), as they did there.
 */
export function labelFromFolder(folderName: string): string {
  return folderName.toLowerCase().replace(/[^a-z0-9]+/g, ' ');
}

/**
 * Python's `sorted()` order for strings: by Unicode code point (JavaScript's
 * default sort compares UTF-16 code units, which differs above U+FFFF).
 */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const difference = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
}
