// condition.ts — a breakpoint's condition: an expression over an event's fields
// (`cls == 3 && ptr == 0x7f…`, `kind == "free" && thread != 1`), parsed once into a
// tree and evaluated per event. C's operators and precedence on 64-bit unsigned
// integers, strings only for names (an event kind compares equal to its name or
// its number). Nothing here runs the text as code.

/** A field's value: a number as bigint, or a name that also has a number (an event kind). */
export type ConditionValue = bigint | { readonly name: string; readonly number: bigint };
export type ConditionFields = (field: string) => ConditionValue | undefined;

type Node =
  | { readonly op: 'number'; readonly value: bigint }
  | { readonly op: 'string'; readonly value: string }
  | { readonly op: 'field'; readonly name: string; readonly at: number }
  | { readonly op: 'unary'; readonly operator: string; readonly operand: Node }
  | { readonly op: 'binary'; readonly operator: string; readonly left: Node; readonly right: Node };

export class ConditionError extends Error {
  override readonly name = 'ConditionError';
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(`${message} (at column ${at + 1})`);
  }
}

const MASK = (1n << 64n) - 1n;
/** binary operators by precedence, loosest first, as in C */
const LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];
const PUNCTUATION = ['||', '&&', '==', '!=', '<=', '>=', '<<', '>>', '|', '^', '&', '<', '>', '+', '-', '*', '/', '%', '!', '~', '(', ')'];

interface Token {
  readonly text: string;
  readonly at: number;
  readonly kind: 'number' | 'string' | 'name' | 'punctuation' | 'end';
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (let at = 0; at < text.length;) {
    const rest = text.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const number = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)/.exec(rest);
    if (number) {
      tokens.push({ text: number[0], at, kind: 'number' });
      at += number[0].length;
      if (/^[A-Za-z_]/.test(text.slice(at))) throw new ConditionError(at, `"${number[0]}${text[at]}" is not a number`);
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      tokens.push({ text: name[0], at, kind: 'name' });
      at += name[0].length;
      continue;
    }
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const end = text.indexOf(quote, at + 1);
      if (end < 0) throw new ConditionError(at, 'a string that never closes');
      tokens.push({ text: text.slice(at + 1, end), at, kind: 'string' });
      at = end + 1;
      continue;
    }
    const punctuation = PUNCTUATION.find((candidate) => rest.startsWith(candidate));
    if (!punctuation) throw new ConditionError(at, `unexpected "${rest[0]}"`);
    tokens.push({ text: punctuation, at, kind: 'punctuation' });
    at += punctuation.length;
  }
  tokens.push({ text: '', at: text.length, kind: 'end' });
  return tokens;
}

/** A condition parsed; `fields`, when given, are the names it may use (an unknown one is refused here, not per event). */
export class Condition {
  private readonly root: Node;
  private tokens: Token[] = [];
  private next = 0;

  constructor(
    readonly text: string,
    fields?: readonly string[],
  ) {
    this.tokens = tokenize(text);
    if (this.tokens.length === 1) throw new ConditionError(0, 'an empty condition');
    this.root = this.binary(0);
    const left = this.tokens[this.next]!;
    if (left.kind !== 'end') throw new ConditionError(left.at, `unexpected "${left.text}"`);
    if (fields) this.checkFields(this.root, fields);
    this.tokens = [];
  }

  /** Whether the condition holds for an event (any value but 0 holds). */
  holds(fields: ConditionFields): boolean {
    return truth(this.evaluate(this.root, fields));
  }

  /** The expression's value for an event, as a front end shows it: hex and decimal for a number. */
  valueText(fields: ConditionFields): string {
    const value = this.evaluate(this.root, fields);
    if (typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'bigint') return `0x${value.toString(16)} (${value})`;
    return `${value.name} (${value.number})`;
  }

  private checkFields(node: Node, fields: readonly string[]): void {
    if (node.op === 'field' && !fields.includes(node.name))
      throw new ConditionError(node.at, `"${node.name}" is not an event field (fields: ${fields.join(', ')})`);
    if (node.op === 'unary') this.checkFields(node.operand, fields);
    if (node.op === 'binary') {
      this.checkFields(node.left, fields);
      this.checkFields(node.right, fields);
    }
  }

  private binary(level: number): Node {
    if (level === LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const token = this.tokens[this.next]!;
      if (token.kind !== 'punctuation' || !LEVELS[level]!.includes(token.text)) return left;
      this.next++;
      left = { op: 'binary', operator: token.text, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Node {
    const token = this.tokens[this.next++]!;
    switch (token.kind) {
      case 'number':
        return { op: 'number', value: BigInt(token.text) & MASK };
      case 'string':
        return { op: 'string', value: token.text };
      case 'name':
        if (token.text === 'true' || token.text === 'false') return { op: 'number', value: token.text === 'true' ? 1n : 0n };
        return { op: 'field', name: token.text, at: token.at };
      case 'punctuation':
        if (token.text === '(') {
          const inner = this.binary(0);
          const close = this.tokens[this.next++]!;
          if (close.text !== ')') throw new ConditionError(close.at, `")" expected, not "${close.text || 'the end'}"`);
          return inner;
        }
        if (token.text === '!' || token.text === '~' || token.text === '-')
          return { op: 'unary', operator: token.text, operand: this.unary() };
        throw new ConditionError(token.at, `unexpected "${token.text}"`);
      case 'end':
        throw new ConditionError(token.at, 'the condition ends where a value is expected');
    }
  }

  private evaluate(node: Node, fields: ConditionFields): ConditionValue | string {
    switch (node.op) {
      case 'number':
      case 'string':
        return node.value;
      case 'field': {
        const value = fields(node.name);
        if (value === undefined) throw new ConditionError(node.at, `"${node.name}" is not an event field`);
        return value;
      }
      case 'unary': {
        const operand = this.evaluate(node.operand, fields);
        if (node.operator === '!') return truth(operand) ? 0n : 1n;
        const number = numberOf(operand);
        return node.operator === '~' ? ~number & MASK : -number & MASK;
      }
      case 'binary':
        return this.evaluateBinary(node.operator, node.left, node.right, fields);
    }
  }

  private evaluateBinary(operator: string, leftNode: Node, rightNode: Node, fields: ConditionFields): ConditionValue | string {
    // && and || decide on the left when they can, as in C
    if (operator === '&&') return truth(this.evaluate(leftNode, fields)) && truth(this.evaluate(rightNode, fields)) ? 1n : 0n;
    if (operator === '||') return truth(this.evaluate(leftNode, fields)) || truth(this.evaluate(rightNode, fields)) ? 1n : 0n;
    const left = this.evaluate(leftNode, fields),
      right = this.evaluate(rightNode, fields);
    if (operator === '==' || operator === '!=') return equal(left, right) === (operator === '==') ? 1n : 0n;
    const a = numberOf(left),
      b = numberOf(right);
    switch (operator) {
      case '<':
        return a < b ? 1n : 0n;
      case '<=':
        return a <= b ? 1n : 0n;
      case '>':
        return a > b ? 1n : 0n;
      case '>=':
        return a >= b ? 1n : 0n;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '&':
        return a & b;
      case '<<':
        return b > 63n ? 0n : (a << b) & MASK;
      case '>>':
        return b > 63n ? 0n : a >> b;
      case '+':
        return (a + b) & MASK;
      case '-':
        return (a - b) & MASK;
      case '*':
        return (a * b) & MASK;
      default:
        // '/' and '%': a division by zero makes the condition false rather than stopping the search
        if (b === 0n) return 0n;
        return operator === '/' ? a / b : a % b;
    }
  }
}

function numberOf(value: ConditionValue | string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string') return 0n;
  return value.number;
}

function truth(value: ConditionValue | string): boolean {
  return typeof value === 'string' ? value.length > 0 : numberOf(value) !== 0n;
}

function equal(left: ConditionValue | string, right: ConditionValue | string): boolean {
  const nameOf = (value: ConditionValue | string) => (typeof value === 'string' ? value : typeof value === 'bigint' ? null : value.name);
  if (typeof left === 'string' || typeof right === 'string') return nameOf(left) === nameOf(right);
  return numberOf(left) === numberOf(right);
}
