// `kubernetes.fluentBit`: the guide's Fluent Bit ConfigMap, narrowed to this app's namespace and sending
// to Elasticsearch; a Fluent Bit DaemonSet mounts it. `cri` parser: containerd writes CRI log lines.
// @see https://docs.fluentbit.io/manual/pipeline/filters/kubernetes

import { appLabels } from '../labels.ts';
import type { KubeObject } from '../types.ts';
import type { RenderContext } from './context.ts';

export function fluentBit(ctx: RenderContext): KubeObject[] {
  const settings = ctx.settings.fluentBit;
  if (settings === undefined) return [];
  const opts = settings === true ? {} : settings;
  const conf = [
    '[INPUT]',
    '    Name tail',
    `    Path /var/log/containers/*_${ctx.namespace}_*.log`,
    `    Parser ${opts.parser ?? 'cri'}`,
    '    Tag kubernetes.*',
    '',
    '[FILTER]',
    '    Name kubernetes',
    '    Match kubernetes.*',
    '    Merge_Log On',
    '',
    '[OUTPUT]',
    '    Name es',
    '    Match kubernetes.*',
    `    Host ${opts.host ?? 'elasticsearch.logging'}`,
    `    Port ${opts.port ?? 9200}`,
    '    Suppress_Type_Name On',
    '',
  ].join('\n');
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data: { 'fluent-bit.conf': conf },
      metadata: {
        labels: appLabels(ctx.app.name, ctx.version),
        name: `${ctx.app.name}-fluent-bit`,
        namespace: ctx.namespace,
      },
    },
  ];
}
