/**
 * The commander definition of `antidote`: commands, options and their validation. Handlers
 * live in ./commands; this file only maps parsed options onto them.
 */
import { createRequire } from 'node:module';
import { BUILTIN_DATASETS } from '@antidote/core/datasets';
import { DEFAULT_RECIPE, LAB_ATTACK_NAMES } from '@antidote/core/lab';
import { ARCHITECTURES } from '@antidote/core/models';
import { BACKEND_PREFERENCE, initRuntime } from '@antidote/core/runtime';
import { Command, Option } from 'commander';
import type { Cancellation } from './cancellation.ts';
import { datasetsCommand } from './commands/datasets.ts';
import { DEMO_EPOCHS, demoCommand } from './commands/demo.ts';
import { evalCommand } from './commands/eval.ts';
import { repairCommand, scanCommand } from './commands/gate.ts';
import { poisonCommand } from './commands/poison.ts';
import { runtimeCommand } from './commands/runtime.ts';
import { serveCommand } from './commands/serve.ts';
import { trainCommand } from './commands/train.ts';
import type { CommandContext, GlobalOptions } from './context.ts';
import { type CliEnv, chooseBackend } from './env.ts';
import { GATE_EXIT_HELP } from './gate.ts';
import { collect, parseInteger, parseNonNegativeInteger, parsePositiveInteger, parsePositiveNumber } from './option-parsers.ts';
import type { Output } from './output.ts';

export interface ProgramDeps {
  output: Output;
  env: CliEnv;
  cancellation: Cancellation;
  startedAt: number;
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const AFTER_HELP = `
Exit codes: 0 ok, 1 unexpected error, 2 bad input or usage, 130 cancelled (Ctrl-C); scan and repair
have their own (a CI gate: see antidote scan --help).
Environment: ANTIDOTE_BACKEND (default backend), NO_COLOR, ANTIDOTE_DEBUG=1 (stack traces).`;

function datasetOption(withDefault: boolean): Option {
  const option = new Option('--dataset <name>', 'built-in dataset').choices(BUILTIN_DATASETS);
  return withDefault ? option.default('fashion-mnist') : option;
}

function attackOption(description: string): Option {
  return new Option('--attack <name>', description).choices(LAB_ATTACK_NAMES);
}

function paramOption(): Option {
  return new Option('--param <key=value>', 'attack option, repeatable (e.g. --param patchSize=4)').argParser(collect);
}

function addRecipeOptions(command: Command): Command {
  return command
    .addOption(datasetOption(true))
    .addOption(new Option('--arch <name>', 'model architecture').choices(ARCHITECTURES).default(DEFAULT_RECIPE.architecture))
    .addOption(
      new Option('--epochs <n>', 'training epochs (fractions allowed)')
        .argParser(parsePositiveNumber)
        .default(DEFAULT_RECIPE.epochs),
    )
    .addOption(new Option('--batch-size <n>', `batch size (default ${DEFAULT_RECIPE.batchSize})`).argParser(parsePositiveInteger))
    .addOption(new Option('--lr <x>', `learning rate (default ${DEFAULT_RECIPE.learningRate})`).argParser(parsePositiveNumber))
    .addOption(new Option('--optimizer <name>', `optimizer (default ${DEFAULT_RECIPE.optimizer})`).choices(['sgd', 'adam']))
    .addOption(new Option('--seed <n>', 'seed for weights, batch order and the attack').argParser(parseInteger).default(1))
    .requiredOption('--out <dir>', 'folder to save model.json and weights.bin in');
}

export function createProgram(deps: ProgramDeps): Command {
  const program = new Command('antidote');
  program
    .description('Antidote: train, poison and evaluate image classifiers on this machine.')
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: deps.writeOut, writeErr: deps.writeErr, outputError: () => {} })
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend (overrides ANTIDOTE_BACKEND; default: fastest available)').choices(
        BACKEND_PREFERENCE,
      ),
    )
    .option('--json', 'print one JSON document on stdout (errors as {"error": {code, message}})')
    .option('--debug', 'print stack traces on errors')
    .addHelpText('after', AFTER_HELP);

  const context = (command: Command): CommandContext => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    return {
      output: deps.output,
      env: deps.env,
      cancellation: deps.cancellation,
      startedAt: deps.startedAt,
      startRuntime: async () => {
        const backend = chooseBackend(globals.backend, deps.env);
        return initRuntime(backend ? { backend } : {});
      },
    };
  };

  program
    .command('runtime')
    .description('show the TensorFlow.js backend in use, why others were skipped, SIMD and patched kernels')
    .action(async (_options, command: Command) => runtimeCommand(context(command)));

  program
    .command('datasets')
    .description('list the built-in datasets, or check your own files with --import')
    .option(
      '--import <files...>',
      'import files (zip/tar of class folders, IDX pair, .npy pair, CIFAR-10 batches) and summarise them',
    )
    .option('--class-names <names>', 'comma-separated class names for IDX/.npy files')
    .action(async (options, command: Command) => datasetsCommand(options, context(command)));

  addRecipeOptions(program.command('train').description('train a clean model and save it'))
    .addHelpText('after', '\nExample: antidote train --dataset fashion-mnist --arch small-cnn --epochs 3 --out models/clean')
    .action(async (options, command: Command) => trainCommand(options, context(command)));

  addRecipeOptions(
    program.command('poison').description('train a backdoored model (red-team lab) and save it with its attack spec'),
  )
    .addOption(attackOption('data-poisoning attack').makeOptionMandatory())
    .addOption(
      new Option('--poison-count <n>', 'training images that get the trigger and the target label')
        .argParser(parseNonNegativeInteger)
        .default(200),
    )
    .addOption(new Option('--target <n>', 'target class index').argParser(parseNonNegativeInteger).default(0))
    .addOption(paramOption())
    .addHelpText(
      'after',
      '\nExample: antidote poison --attack badnets --poison-count 200 --target 0 --epochs 3 --out models/badnets',
    )
    .action(async (options, command: Command) => poisonCommand(options, context(command)));

  program
    .command('eval')
    .description('measure a saved model: CDA, per-class accuracy, and ASR/ARR for a known attack')
    .requiredOption('--model <dir>', 'model folder (model.json + weights)')
    .addOption(datasetOption(false).conflicts('data'))
    .option('--data <files...>', 'evaluate on your own files instead of a built-in test split')
    .option('--class-names <names>', 'comma-separated class names for IDX/.npy files')
    .addOption(attackOption("attack whose trigger to test (default: the folder's antidote-attack.json)"))
    .addOption(new Option('--target <n>', 'target class of --attack').argParser(parseNonNegativeInteger))
    .addOption(new Option('--seed <n>', 'seed of --attack (default 1)').argParser(parseInteger))
    .addOption(paramOption())
    .action(async (options, command: Command) => evalCommand(options, context(command)));

  const gateOptions = (command: Command) =>
    command
      .option('--trusted <file>', 'trusted images: a zip of class folders (or IDX/.npy/CIFAR files)')
      .addOption(new Option('--steps <n>', "optimisation steps (default: the method's)").argParser(parsePositiveInteger))
      .option(
        '--fidelity-override-reason <text>',
        'gate an imported model even if it agrees with ONNX Runtime on < 99.9% of inputs',
      )
      .option('--junit <file>', 'also write a JUnit XML report')
      .option(
        '--preprocess <json|file>',
        'ONNX/Keras preprocessing, antidote.json fields (e.g. \'{"mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225]}\')',
      );

  gateOptions(
    program
      .command('scan')
      .description('CI gate: scan a model (TF.js archive or folder, .onnx, .keras, .h5) for a backdoor')
      .argument('<model>', 'model file or folder'),
  )
    .addOption(
      new Option('--classes <list>', 'comma-separated classes to check (default all)').argParser((v) =>
        v.split(',').map((c) => parseNonNegativeInteger(c)),
      ),
    )
    .addOption(
      new Option('--reference-steps <n>', 'steps of the reference repair the triggers are calibrated against').argParser(
        parsePositiveInteger,
      ),
    )
    .option('--remote <url>', 'scan through an Antidote API (upload, scan, wait) instead of on this machine')
    .addOption(new Option('--api-key <key>', 'API key for --remote').env('ANTIDOTE_API_KEY'))
    .addHelpText('after', `${GATE_EXIT_HELP}\nExample: antidote scan model.onnx --trusted trusted.zip --junit antidote.xml`)
    .action(async (model: string, options, command: Command) => scanCommand(model, options, context(command)));

  gateOptions(
    program
      .command('repair')
      .description('repair a model and write it in its own format (ONNX: the same graph with repaired weights)')
      .argument('<model>', 'model file or folder'),
  )
    .option('--out <file>', 'where to write the repaired model')
    .addOption(
      new Option('--cda-budget <points>', 'largest clean-accuracy drop allowed (default 2)').argParser(parsePositiveNumber),
    )
    .addHelpText('after', '\nExit codes: 0 repaired and written, 3 bad input, 4 error or not repaired within the budget.')
    .action(async (model: string, options, command: Command) => repairCommand(model, options, context(command)));

  program
    .command('demo')
    .description('train a BadNets-poisoned Fashion-MNIST model (~2-4 min on a CPU) and measure it')
    .addOption(new Option('--epochs <n>', 'training epochs').argParser(parsePositiveNumber).default(DEMO_EPOCHS))
    .option('--out <dir>', 'where to save the model (default: .antidote/demo)')
    .action(async (options, command: Command) => demoCommand(options, context(command)));

  program
    .command('serve')
    .description('run the product here: API gateway, a worker and the dashboard on embedded PGlite (zero setup)')
    .addOption(new Option('--host <host>', 'interface to listen on').default('127.0.0.1'))
    .addOption(new Option('--port <n>', 'API port').argParser(parseNonNegativeInteger).default(4000))
    .addOption(new Option('--dashboard-port <n>', 'dashboard port').argParser(parseNonNegativeInteger).default(3000))
    .option('--no-dashboard', 'serve the API only')
    .option('--demo', 'seed a demo tenant: a backdoored Fashion-MNIST model, a 1% trusted set, a scan and a repair')
    .option('--data-dir <dir>', 'where the database, artifacts and demo files live (default: .antidote)')
    .addHelpText('after', '\nExample: antidote serve --demo   (what `npm start` runs)')
    .action(async (options, command: Command) => serveCommand(options, context(command)));

  return program;
}
