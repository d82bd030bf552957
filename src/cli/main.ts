/**
 * `merkit` command line. Each command lives in src/cli/commands/ and
 * registers itself on the commander program; this file only wires them and
 * turns errors into one clear line (never a stack trace for user errors).
 */
import { Command, CommanderError } from 'commander';
import { isMerError } from '../core/errors.ts';
import { registerEvaluateCommand } from './commands/evaluate.ts';
import { registerInspectCommand } from './commands/inspect.ts';
import { registerRecipesCommand } from './commands/recipes.ts';
import { registerSynthCommand } from './commands/synth.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerFlowCommand } from './commands/flow.ts';
import { registerNetPredictCommand } from './commands/netPredict.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTrainCommand } from './commands/train.ts';
import { registerPredictCommand } from './commands/predict.ts';
import { registerAnalyzeCommand } from './commands/analyze.ts';
import { MERKIT_VERSION } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('merkit')
    .description('Micro-expression recognition toolkit: datasets, features, learners, protocols and reports.')
    .version(MERKIT_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerEvaluateCommand(program);
  registerInspectCommand(program);
  registerRecipesCommand(program);
  registerSynthCommand(program);
  registerDemoCommand(program);
  registerFlowCommand(program);
  registerNetPredictCommand(program);
  registerWorkerCommand(program);
  registerServeCommand(program);
  registerTrainCommand(program);
  registerPredictCommand(program);
  registerAnalyzeCommand(program);
  return program;
}

/** Exit codes: 0 ok, 1 commander usage error, 2 a problem the user must fix, 70 an internal error. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (isMerError(e)) {
      process.stderr.write(`merkit: ${e.describe()}\n`);
      process.exitCode = 2;
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`merkit: internal error: ${msg}\n`);
    if (process.env.MERKIT_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : ''}\n`);
    else process.stderr.write('(set MERKIT_DEBUG=1 to see the stack trace, and please report it)\n');
    process.exitCode = 70;
  }
}
