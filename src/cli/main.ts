/**
 * @module cli/main
 * The `vigil` command line (contract: ../shared/DESIGN.md). Exit status: 0 ran, 1 an alert at or
 * above --fail-on, 2 usage or unreadable input.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../util/version.js';
import { registerAgent } from './commands/agent.js';
import { registerDemo } from './commands/demo.js';
import { registerRules } from './commands/rules.js';
import { registerScale } from './commands/scale.js';
import { registerScan } from './commands/scan.js';
import { registerServe } from './commands/serve.js';
import { registerTestAlert } from './commands/test-alert.js';

export const EXIT_OK = 0;
export const EXIT_ALERT = 1;
export const EXIT_USAGE = 2;

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('vigil')
    .description('Threat detection for Kubernetes: control plane and nodes.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(vigil --help lists the commands)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const setExit = (code: number) => {
    exitCode = code;
  };
  registerScan(program, setExit);
  registerRules(program, setExit);
  registerAgent(program, setExit);
  registerTestAlert(program, setExit);
  registerServe(program, setExit);
  registerDemo(program, setExit);
  registerScale(program, setExit);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    throw error;
  }
  return exitCode;
}
