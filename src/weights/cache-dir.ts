/**
 * Where installed weights live: $CONVPAINT_HOME, else ~/.cache/convpaint-webgpu. Only Node has
 * such a directory; this module imports nothing, so browser bundles may include it (there it
 * returns null). Nothing is downloaded implicitly: `convpaint weights fetch|convert` fills it.
 */
import { IMAGENET_WEIGHTS_FILE } from './vgg16-weights.js';

type Env = Record<string, string | undefined>;

function processEnv(): Env | null {
  const p = (globalThis as { process?: { env?: Env; versions?: { node?: string } } }).process;
  return p?.versions?.node && p.env ? p.env : null;
}

function joinPath(base: string, ...parts: string[]): string {
  // Windows homes use backslashes; keep the user's separator.
  const sep = base.includes('\\') && !base.includes('/') ? '\\' : '/';
  return [base.replace(/[\\/]+$/, ''), ...parts].join(sep);
}

/** The cache directory (not created here), or null outside Node / without a home directory. */
export function convpaintHome(env: Env | null = processEnv()): string | null {
  if (!env) return null;
  if (env.CONVPAINT_HOME) return env.CONVPAINT_HOME;
  const home = env.HOME || env.USERPROFILE;
  return home ? joinPath(home, '.cache', 'convpaint-webgpu') : null;
}

/** Path of an installed weights file of the cache directory (which may not exist), or null outside Node. */
export function installedWeightsPath(file: string, env: Env | null = processEnv()): string | null {
  const home = convpaintHome(env);
  return home === null ? null : joinPath(home, file);
}

/** Path of the installed VGG16 ImageNet weights (which may not exist), or null outside Node. */
export function imagenetWeightsPath(env: Env | null = processEnv()): string | null {
  return installedWeightsPath(IMAGENET_WEIGHTS_FILE, env);
}
