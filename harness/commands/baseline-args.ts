/**
 * The A/B flags, shared by `bench ab` and `bench run --baseline` (one
 * implementation: ./ab.ts); in a file of their own so that `bench run`
 * declares them without loading the A/B command.
 */
/** Optional here; `bench ab` requires --baseline. */
export const baselineArgs = {
  baseline: { type: 'string', description: "The baseline (A): an out folder (its models by the same id, format and variant) or a git ref (that commit's code and packages, this folder's artifacts); with it, bench run and bench all are A/B runs (bench ab; bench all builds the artifacts first)", valueHint: 'dir|ref' },
  processes: { type: 'string', description: 'Fresh processes (or pages) per key, each timing A and B alternately; which goes first alternates A B B A (default 4)', valueHint: 'n' },
  'max-processes': { type: 'string', description: 'Adaptive stop: an undecided key gets another A B B A block of 4 processes until decided or this many (alpha split over the looks; default: --processes, no stop)', valueHint: 'n' },
  pairs: { type: 'string', description: 'Pairs (A and B once each) timed per process at least (default 12; --min-time still applies)', valueHint: 'n' },
  strict: { type: 'boolean', description: 'Exit 2 when nothing regressed but some keys are inconclusive' },
  format: { type: 'string', description: 'text (default: a table on stderr) or md (markdown on stdout, for $GITHUB_STEP_SUMMARY)', valueHint: 'text|md' },
  'min-effect': { type: 'string', description: 'Relative change of B/A inside which a key is the same; a regression is past it and significant (default 0.02)', valueHint: 'fraction' },
  alpha: { type: 'string', description: 'Family-wise significance level across keys (default 0.05)', valueHint: 'p' },
  correction: { type: 'string', description: 'Adjustment across keys: holm (default), bh or none', valueHint: 'holm|bh|none' },
} as const;
