// Types of consumer-project.mjs for the TypeScript test that uses it.
export function packTarball(repoRoot: string, dest: string): { tarball: string; files: string[]; size: number; unpackedSize: number };
export function writeConsumerProject(dir: string, opts: { repoRoot: string; tarball: string; devPackages?: string[] }): void;
export function installConsumer(dir: string, opts?: { omitOptional?: boolean }): string;
export function installedSize(dir: string): { packages: number; megabytes: number };
