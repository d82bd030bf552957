/**
 * Stand-in for the Node-only modules that browser-safe src/ modules load
 * lazily on their Node paths (run/analyze.ts's `analyzeVideo`: ffmpeg
 * decoding, model folders, file writing; face/track.ts's default detector:
 * face-api on node-wasm). The page never takes those paths — it injects its
 * own detector and classifier into `analyzeFrames` — so nothing is exported;
 * a call would fail loudly ("… is not a function").
 */
export {};
