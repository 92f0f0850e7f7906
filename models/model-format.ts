/**
 * Which kind of TF.js model a model.json holds. Pure (no TF.js, no Node
 * APIs): the Node loaders and the benchmark page both ask it.
 */

/** True when a model.json holds a graph model (a GraphDef, as tensorflowjs_converter writes from a SavedModel). */
export function isGraphModelJson(json: { format?: unknown; modelTopology?: unknown }): boolean {
  if (json.format === 'graph-model') return true;
  // Older converters leave `format` out; a GraphDef has a node list, a Keras topology does not.
  return json.format === undefined && Array.isArray((json.modelTopology as { node?: unknown } | undefined)?.node);
}
