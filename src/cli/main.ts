/**
 * `merkit` command line. Each command lives in src/cli/commands/ and
 * registers itself on the commander program; this file only wires them and
 * turns errors into one clear line (never a stack trace for user errors).
 *
 * Start-up is kept short: a command module imports only commander and small
 * helpers at the top; what its action needs (the runner, datasets, reports,
 * tfjs, …) is imported inside the action, so `--version`, `--help` and a
 * mistyped option load none of it.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
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

/** printed after every usage error, by commander and by main alike */
const HELP_HINT = '(run with --help for usage)';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('merkit')
    .description('Micro-expression recognition toolkit: datasets, features, learners, protocols and reports.')
    .version(MERKIT_VERSION)
    .showHelpAfterError(HELP_HINT)
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

/** Exit codes: 0 ok, 1 usage error (see options.ts), 2 a problem the user must fix, 70 an internal error. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof InvalidArgumentError) {
      // a usage error found by an action (usageError): commander did not print it, so print it its way
      process.stderr.write(`error: ${e.message}\n${HELP_HINT}\n`);
      process.exitCode = e.exitCode;
      return;
    }
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
