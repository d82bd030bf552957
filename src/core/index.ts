export * from './errors.ts';
export * from './rng.ts';
export * from './image.ts';
export * from './clip.ts';
export * from './labels.ts';
