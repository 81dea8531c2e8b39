// Catalog descriptor files as a team would write them by hand, so the demo estate reads
// like data rather than YAML plumbing. Names are plain identifiers; free text is written as
// a double-quoted scalar (JSON strings are valid YAML), so a colon in a sentence cannot break
// the file. A file that does not parse would silently never reach the catalog.

export interface ComponentDescriptor {
  name: string;
  description: string;
  /** Backstage leaves the type open; the demo uses service, website, library and mobile-app. */
  type: string;
  owner: string;
  system?: string;
  providesApis?: string[];
  consumesApis?: string[];
}

export interface ApiDescriptor {
  name: string;
  description: string;
  type: 'openapi' | 'asyncapi' | 'graphql';
  owner: string;
  system?: string;
  /** The API definition itself, embedded as a block scalar. */
  definition: string;
}

export interface SystemDescriptor {
  name: string;
  description: string;
  owner: string;
}

export interface GroupDescriptor {
  name: string;
  displayName: string;
}

const HEADER = 'apiVersion: backstage.io/v1alpha1';

export function component(c: ComponentDescriptor): string {
  return lines(
    HEADER,
    'kind: Component',
    'metadata:',
    `  name: ${c.name}`,
    `  description: ${text(c.description)}`,
    'spec:',
    `  type: ${c.type}`,
    '  lifecycle: production',
    `  owner: ${c.owner}`,
    c.system && `  system: ${c.system}`,
    list('providesApis', c.providesApis),
    list('consumesApis', c.consumesApis),
  );
}

export function api(a: ApiDescriptor): string {
  return lines(
    HEADER,
    'kind: API',
    'metadata:',
    `  name: ${a.name}`,
    `  description: ${text(a.description)}`,
    'spec:',
    `  type: ${a.type}`,
    '  lifecycle: production',
    `  owner: ${a.owner}`,
    a.system && `  system: ${a.system}`,
    '  definition: |',
    indent(a.definition.trim(), '    '),
  );
}

export function system(s: SystemDescriptor): string {
  return lines(HEADER, 'kind: System', 'metadata:', `  name: ${s.name}`, `  description: ${text(s.description)}`, 'spec:', `  owner: ${s.owner}`);
}

export function group(g: GroupDescriptor): string {
  return lines(
    HEADER,
    'kind: Group',
    'metadata:',
    `  name: ${g.name}`,
    'spec:',
    '  type: team',
    '  profile:',
    `    displayName: ${text(g.displayName)}`,
    '  children: []',
  );
}

/** One file holding several entities, as YAML documents. */
export function catalogFile(...documents: string[]): string {
  return documents.join('---\n');
}

function lines(...parts: Array<string | undefined | false>): string {
  return `${parts.filter(Boolean).join('\n')}\n`;
}

function text(value: string): string {
  return JSON.stringify(value);
}

function list(key: string, values: string[] | undefined): string | undefined {
  return values?.length ? [`  ${key}:`, ...values.map(value => `    - ${value}`)].join('\n') : undefined;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map(line => (line ? `${prefix}${line}` : line))
    .join('\n');
}
