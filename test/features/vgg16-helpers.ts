/** Shared by the vgg16 tests: the repo copy of the reference's test weights. */
import { fileURLToPath } from 'node:url';

/** weights/vgg16-test-random-init.safetensors (seeded random, not ImageNet; see weights/PROVENANCE.md). */
export const TEST_WEIGHTS = fileURLToPath(new URL('../../weights/vgg16-test-random-init.safetensors', import.meta.url));
