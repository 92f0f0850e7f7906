/**
 * Datasets: class-per-folder images as retrain.py read them (labels, stable
 * hash split), image decoding to a model's input size, and the generated
 * default dataset.
 */
export { labelFromFolder } from './labels.ts';
export { splitOf, SPLITS, type Split } from './split.ts';
export { scanDataset, isImageFile, type Dataset, type ImageEntry, type ScanOptions } from './scan.ts';
export { decodeImage, ImageDecodeError, type Distortions, type DecodeOptions } from './decode.ts';
export { generateDefaultDataset, GENERATOR_VERSION, type GenerateOptions } from './generate.ts';
export { SHAPE_CLASSES } from './scene.ts';
