/** The commands that work on image files: train, segment, features, info, demo (one module each). */
import type { Command } from 'commander';
import { registerDemoCommand } from './demo.js';
import { registerFeaturesCommand } from './features.js';
import { registerInfoCommand } from './info.js';
import { registerSegmentCommand } from './segment.js';
import { registerTrainCommand } from './train.js';

export function registerImageCommands(program: Command): void {
  registerTrainCommand(program);
  registerSegmentCommand(program);
  registerFeaturesCommand(program);
  registerInfoCommand(program);
  registerDemoCommand(program);
}
