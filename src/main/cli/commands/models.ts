import type { Command } from 'commander';
import { describeInput } from '../../../shared/domain';
import { withSession, type GlobalOptions } from '../context';
import { printJson, printLine, table } from '../output';
import { resolveModel } from '../resolve';
import { printPlan, requireYes, shellArg } from './manageOutput';

export function registerModels(program: Command, globals: () => GlobalOptions): void {
  const models = program.command('models').description('register, list, rename and delete ONNX models');
  models
    .command('add')
    .description('add a model from its manifest (JSON or YAML beside the .onnx); checks tensor names and shapes')
    .argument('<manifest>', 'manifest file')
    .option('--replace', 'replace a registered model of the same name (its runs keep their own provenance)')
    .option('--json', 'print JSON')
    .action(async (manifest: string, opts: { json?: boolean; replace?: boolean }) => {
      const m = await withSession(globals(), (s) =>
        s.client.call('models.add', { manifestPath: manifest, replace: opts.replace === true }),
      );
      if (opts.json === true) return printJson(m);
      printLine(`added model "${m.name}" (${m.kind}${m.toy ? ', TOY' : ''}) id ${m.id}, sha256 ${m.sha256.slice(0, 12)}…`);
    });
  models
    .command('list')
    .description('list registered models')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await withSession(globals(), (s) => s.client.call('models.list', {}));
      if (opts.json === true) {
        return printJson(
          list.map((m) => ({
            id: m.id,
            name: m.name,
            kind: m.kind,
            toy: m.toy,
            sha256: m.sha256,
            path: m.path,
            inputs: m.inputs,
            outputs: m.outputs,
            classes: m.classes,
            input: m.input,
          })),
        );
      }
      if (list.length === 0) return printLine('no models yet: try "tessera models add MANIFEST"');
      printLine(
        table([
          ['ID', 'NAME', 'KIND', 'TOY', 'INPUT', 'CLASSES', 'SHA256'],
          ...list.map((m) => [
            String(m.id),
            m.name,
            m.kind,
            m.toy ? 'toy' : '',
            m.input === null ? '(precomputed bundles)' : describeInput(m.input),
            String(m.classes.length),
            m.sha256.slice(0, 12),
          ]),
        ]),
      );
    });
  models
    .command('rename')
    .description('rename a registered model (its runs keep the name they recorded; the manifest file is not changed)')
    .argument('<model>', 'model name or id')
    .argument('<name>', 'new name')
    .option('--json', 'print JSON')
    .action(async (ref: string, name: string, opts: { json?: boolean }) => {
      const m = await withSession(globals(), async (s) => {
        const model = await resolveModel(s.client, ref);
        return s.client.call('models.rename', { modelId: model.id, name });
      });
      if (opts.json === true) return printJson({ id: m.id, name: m.name, kind: m.kind, toy: m.toy, sha256: m.sha256, path: m.path });
      printLine(`model ${m.id} is now "${m.name}"`);
    });
  models
    .command('delete')
    .description('remove a model from the registry with its cached outputs; its runs stay (shows what goes; --yes deletes)')
    .argument('<model>', 'model name or id')
    .option('--yes', 'delete (without it, only show what would go)')
    .option('--json', 'print JSON (the plan, or with --yes what was deleted)')
    .action(async (ref: string, opts: { yes?: boolean; json?: boolean }) => {
      await withSession(globals(), async (s) => {
        const model = await resolveModel(s.client, ref);
        const plan = await s.client.call('models.deletePlan', { modelId: model.id });
        if (opts.json === true && opts.yes !== true) printJson(plan);
        else if (opts.json !== true) printPlan(plan);
        requireYes(plan, opts.yes, `tessera models delete ${shellArg(model.name)}`);
        const done = await s.client.call('models.delete', { modelId: model.id });
        if (opts.json === true) printJson(done);
        else printLine(`deleted model "${done.plan.name}"`);
      });
    });
}
