/**
 * The evaluation pack and the reference outputs, fetched by the page from
 * the static server: the same bytes every target evaluates on.
 */
import type { EvalPack } from '../../../harness/core/eval-pack.ts';
import type { ReferenceOutputs } from '../../kernel/types.ts';

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response;
}

/** `<packUrl>/pack.json` + `<packUrl>/images.u8` (harness/core/eval-pack.ts writes them). */
export async function fetchEvalPack(packUrl: string): Promise<EvalPack> {
  const base = packUrl.endsWith('/') ? packUrl : `${packUrl}/`;
  const [json, bytes] = await Promise.all([
    fetchOk(`${base}pack.json`).then((response) => response.json() as Promise<Omit<EvalPack, 'images'> & { schema?: number }>),
    fetchOk(`${base}images.u8`).then((response) => response.arrayBuffer()),
  ]);
  const images = new Uint8Array(bytes);
  const expected = json.count * json.height * json.width * 3;
  if (images.length !== expected) throw new Error(`${base}images.u8 has ${images.length} bytes, pack.json says ${json.count} images (${expected} bytes)`);
  const { schema: _schema, ...rest } = json;
  return { ...rest, images };
}

/** Reference outputs as JSON: `{ name, images, classes, probabilities: number[] }` (row-major images × classes). */
export interface ReferenceJson {
  name: string;
  images: number;
  classes: number;
  probabilities: number[];
}

export function parseReference(json: ReferenceJson, url: string): ReferenceOutputs {
  if (!Array.isArray(json.probabilities) || json.probabilities.length !== json.images * json.classes) {
    throw new Error(`${url}: expected ${json.images} × ${json.classes} probabilities, found ${Array.isArray(json.probabilities) ? json.probabilities.length : 'none'}`);
  }
  return { name: json.name, images: json.images, classes: json.classes, probabilities: Float32Array.from(json.probabilities) };
}

export async function fetchReference(url: string): Promise<ReferenceOutputs> {
  return parseReference((await (await fetchOk(url)).json()) as ReferenceJson, url);
}
