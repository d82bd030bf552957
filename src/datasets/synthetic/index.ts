/**
 * Synthetic micro-expressions: real faces from the face-api sample photos
 * animated with action-unit displacement fields, written in the CASME II
 * layout (see generate.ts).
 */
export * from './generate.ts';
export * from './render.ts';
export * from './actionUnits.ts';
export * from './faces.ts';
