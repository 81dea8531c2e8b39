/**
 * A subset of Bitbucket Cloud's query language (BBQL): `field OP value` comparisons joined by
 * AND / OR (AND binds tighter) and parentheses. OP is one of = != ~ !~ > < >= <=; `~` means
 * "contains, ignoring case". Values: "double-quoted strings", true, false, null, numbers and
 * unquoted ISO dates such as 2026-01-01 or 2026-01-01T10:00:00Z.
 */

export class BbqlError extends Error {}

export type BbqlFieldType = 'string' | 'boolean' | 'datetime';

export interface BbqlField<T> {
  type: BbqlFieldType;
  /** A datetime field answers an ISO string; null means the value is absent. */
  read(record: T): string | boolean | null;
}

export type BbqlFields<T> = Record<string, BbqlField<T>>;

type Operator = '=' | '!=' | '~' | '!~' | '>' | '<' | '>=' | '<=';

type Literal =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'datetime'; value: string }
  | { type: 'null' };

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'operator'; text: Operator }
  | { kind: 'open' | 'close' };

const OPERATORS: Operator[] = ['!=', '!~', '>=', '<=', '=', '~', '>', '<'];
const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/** Compiles a query into a predicate over records whose fields are described by `fields`. */
export function compileBbql<T>(query: string, fields: BbqlFields<T>): (record: T) => boolean {
  return new Parser(tokenize(query), fields).parseQuery();
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < query.length) {
    const char = query[index];
    if (/\s/.test(char)) {
      index++;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char === '(' ? 'open' : 'close' });
      index++;
    } else if (char === '"') {
      const { text, end } = readString(query, index);
      tokens.push({ kind: 'string', text });
      index = end;
    } else {
      const operator = OPERATORS.find(candidate => query.startsWith(candidate, index));
      if (operator) {
        tokens.push({ kind: 'operator', text: operator });
        index += operator.length;
        continue;
      }
      const word = /^[\w.:+-]+/.exec(query.slice(index));
      if (!word) throw new BbqlError(`unexpected character '${char}' at position ${index}`);
      tokens.push({ kind: 'word', text: word[0] });
      index += word[0].length;
    }
  }
  return tokens;
}

function readString(query: string, start: number): { text: string; end: number } {
  let text = '';
  for (let index = start + 1; index < query.length; index++) {
    const char = query[index];
    if (char === '"') return { text, end: index + 1 };
    if (char === '\\' && index + 1 < query.length) {
      index++;
      text += query[index];
    } else {
      text += char;
    }
  }
  throw new BbqlError(`unterminated string starting at position ${start}`);
}

type Predicate<T> = (record: T) => boolean;

class Parser<T> {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly fields: BbqlFields<T>,
  ) {}

  parseQuery(): Predicate<T> {
    if (this.tokens.length === 0) throw new BbqlError('empty query');
    const predicate = this.parseOr();
    if (this.position < this.tokens.length) throw new BbqlError(`unexpected ${describe(this.tokens[this.position])}`);
    return predicate;
  }

  private parseOr(): Predicate<T> {
    const alternatives = [this.parseAnd()];
    while (this.takeKeyword('OR')) alternatives.push(this.parseAnd());
    return alternatives.length === 1 ? alternatives[0] : record => alternatives.some(p => p(record));
  }

  private parseAnd(): Predicate<T> {
    const conditions = [this.parsePrimary()];
    while (this.takeKeyword('AND')) conditions.push(this.parsePrimary());
    return conditions.length === 1 ? conditions[0] : record => conditions.every(p => p(record));
  }

  private parsePrimary(): Predicate<T> {
    const token = this.next();
    if (token.kind === 'open') {
      const inner = this.parseOr();
      if (this.tokens[this.position]?.kind !== 'close') throw new BbqlError('missing closing parenthesis');
      this.position++;
      return inner;
    }
    if (token.kind !== 'word') throw new BbqlError(`expected a field name, found ${describe(token)}`);
    const field = this.fields[token.text];
    if (!field) throw new BbqlError(`unknown field '${token.text}'`);
    const operator = this.next();
    if (operator.kind !== 'operator') throw new BbqlError(`expected an operator after '${token.text}'`);
    return comparison(token.text, field, operator.text, this.parseLiteral());
  }

  private parseLiteral(): Literal {
    const token = this.next();
    if (token.kind === 'string') return { type: 'string', value: token.text };
    if (token.kind !== 'word') throw new BbqlError(`expected a value, found ${describe(token)}`);
    const text = token.text;
    if (text === 'true' || text === 'false') return { type: 'boolean', value: text === 'true' };
    if (text === 'null') return { type: 'null' };
    if (DATETIME.test(text)) return { type: 'datetime', value: text };
    if (NUMBER.test(text)) return { type: 'number', value: Number(text) };
    throw new BbqlError(`invalid value '${text}' (strings must be double-quoted)`);
  }

  private takeKeyword(keyword: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind === 'word' && token.text.toUpperCase() === keyword) {
      this.position++;
      return true;
    }
    return false;
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw new BbqlError('unexpected end of query');
    return token;
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'open':
      return "'('";
    case 'close':
      return "')'";
    case 'string':
      return `"${token.text}"`;
    default:
      return `'${token.text}'`;
  }
}

function comparison<T>(name: string, field: BbqlField<T>, operator: Operator, literal: Literal): Predicate<T> {
  if (literal.type === 'null') {
    if (operator !== '=' && operator !== '!=') throw new BbqlError(`null only compares with = or != (field '${name}')`);
    return record => (field.read(record) === null) === (operator === '=');
  }
  if (operator === '~' || operator === '!~') {
    if (field.type !== 'string' || literal.type !== 'string') {
      throw new BbqlError(`'${operator}' needs a string field and a string value (field '${name}')`);
    }
    const needle = literal.value.toLowerCase();
    const wanted = operator === '~';
    return record => {
      const value = field.read(record);
      return typeof value === 'string' && value.toLowerCase().includes(needle) === wanted;
    };
  }
  const expected = comparable(name, field.type, literal);
  return record => {
    const value = field.read(record);
    if (value === null) return operator === '!=';
    return compare(field.type === 'datetime' ? Date.parse(value as string) : value, operator, expected);
  };
}

/** The literal in the form the field's values are compared in; rejects values of the wrong type. */
function comparable(name: string, type: BbqlFieldType, literal: Exclude<Literal, { type: 'null' }>): string | boolean | number {
  if (type === 'boolean' && literal.type === 'boolean') return literal.value;
  if (type === 'string' && literal.type === 'string') return literal.value;
  if (type === 'datetime' && (literal.type === 'datetime' || literal.type === 'string')) {
    const time = Date.parse(literal.value);
    if (!Number.isNaN(time)) return time;
  }
  throw new BbqlError(`invalid ${literal.type} value for ${type} field '${name}'`);
}

type OrderOperator = Exclude<Operator, '~' | '!~'>;

function compare(actual: string | boolean | number, operator: OrderOperator, expected: string | boolean | number): boolean {
  switch (operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '>':
      return actual > expected;
    case '<':
      return actual < expected;
    case '>=':
      return actual >= expected;
    case '<=':
      return actual <= expected;
  }
}
