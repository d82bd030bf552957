/** The package version (kept in step with package.json by test/cli/version.test.ts). */
export const MERKIT_VERSION = '0.1.0';
