// The subset of KQL the fake Resource Graph understands: `resources`, then `where` (`=~` / `in~` on a
// string column or a tag), `project` and `order by`; anything else is an InvalidQueryError naming the clause.

/** Resource Graph's `resources` columns, in the order it returns them when the query projects nothing. */
export const GRAPH_COLUMNS = [
  "id",
  "name",
  "type",
  "tenantId",
  "kind",
  "location",
  "resourceGroup",
  "subscriptionId",
  "managedBy",
  "sku",
  "plan",
  "properties",
  "tags",
  "identity",
  "zones",
  "extendedLocation",
] as const;
export type GraphColumn = (typeof GRAPH_COLUMNS)[number];

/** Columns holding strings, which `where ... =~` and `order by` can use. */
const GRAPH_STRING_COLUMNS: ReadonlySet<string> = new Set<GraphColumn>([
  "id",
  "name",
  "type",
  "tenantId",
  "kind",
  "location",
  "resourceGroup",
  "subscriptionId",
  "managedBy",
]);

/** One `where` test: a string column or a tag, equal ignoring case to one of `values` (lower-cased). */
export type GraphCondition =
  { kind: "column"; column: GraphColumn; values: string[] } | { kind: "tag"; key: string; values: string[] };

/** A parsed query: the rows it keeps, the columns it returns, and their order. */
export interface GraphQuery {
  conditions: GraphCondition[];
  columns: GraphColumn[];
  /** Absent: scenario order. */
  order?: { column: GraphColumn; descending: boolean };
}

/** The query text uses something the fake does not support; answered 400 InvalidQuery. */
export class InvalidQueryError extends Error {}

interface QueryToken {
  kind: "word" | "string" | "symbol";
  text: string;
}

function invalidClause(clause: string, reason: string): InvalidQueryError {
  return new InvalidQueryError(
    `Query is invalid: the fake Resource Graph does not understand the clause "${clause}": ${reason}.`,
  );
}

/** Splits a query at the `|` between its clauses, leaving quoted strings alone. */
function splitClauses(query: string): string[] {
  const clauses: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let position = 0; position < query.length; position += 1) {
    const char = query.charAt(position);
    if (quote !== undefined) {
      current += char;
      if (char === "\\") {
        position += 1;
        current += query.charAt(position);
      } else if (char === quote) {
        quote = undefined;
      }
    } else if (char === "|") {
      clauses.push(current.trim());
      current = "";
    } else {
      if (char === "'" || char === '"') quote = char;
      current += char;
    }
  }
  clauses.push(current.trim());
  return clauses;
}

/** Words (`in~` is one), quoted strings with `\'`, `\"` and `\\` escapes, operators and punctuation. */
function tokenizeClause(clause: string): QueryToken[] {
  const tokens: QueryToken[] = [];
  let position = 0;
  while (position < clause.length) {
    const char = clause.charAt(position);
    const rest = clause.slice(position);
    if (/\s/.test(char)) {
      position += 1;
    } else if (char === "'" || char === '"') {
      let text = "";
      position += 1;
      for (;;) {
        if (position >= clause.length) throw invalidClause(clause, "a quoted string is not closed");
        const next = clause.charAt(position);
        if (next === "\\") {
          const escaped = clause.charAt(position + 1);
          if (escaped !== "\\" && escaped !== "'" && escaped !== '"') {
            throw invalidClause(clause, `the escape '\\${escaped}' is not supported`);
          }
          text += escaped;
          position += 2;
        } else if (next === char) {
          position += 1;
          break;
        } else {
          text += next;
          position += 1;
        }
      }
      tokens.push({ kind: "string", text });
    } else {
      const word = /^[A-Za-z_][A-Za-z0-9_]*~?/.exec(rest)?.[0] ?? /^[=!<>~]+/.exec(rest)?.[0];
      const text = word ?? ("()[],.".includes(char) ? char : undefined);
      if (text === undefined) throw invalidClause(clause, `unexpected character '${char}'`);
      tokens.push({ kind: /^[A-Za-z_]/.test(text) ? "word" : "symbol", text });
      position += text.length;
    }
  }
  return tokens;
}

/** Reads one clause's tokens in order; every failure names the clause. */
class ClauseReader {
  private position = 0;

  constructor(
    private readonly tokens: readonly QueryToken[],
    private readonly clause: string,
  ) {}

  fail(reason: string): never {
    throw invalidClause(this.clause, reason);
  }

  private take(expected: string): QueryToken {
    const token = this.tokens[this.position];
    if (token === undefined) this.fail(`expected ${expected} at the end`);
    this.position += 1;
    return token;
  }

  /** The next token's text, for messages ("the end" after the last). */
  upcoming(): string {
    const token = this.tokens[this.position];
    return token === undefined ? "the end" : `'${token.text}'`;
  }

  word(expected: string): string {
    const token = this.take(expected);
    if (token.kind !== "word") this.fail(`expected ${expected}, found '${token.text}'`);
    return token.text;
  }

  string(expected: string): string {
    const token = this.take(expected);
    if (token.kind !== "string") this.fail(`expected ${expected}, found '${token.text}'`);
    return token.text;
  }

  symbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) this.fail(`expected '${symbol}', found ${this.upcoming()}`);
  }

  acceptSymbol(symbol: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== "symbol" || token.text !== symbol) return false;
    this.position += 1;
    return true;
  }

  /** Takes the next word when it is exactly `column` (KQL column names are case-sensitive). */
  acceptColumn(column: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== "word" || token.text !== column) return false;
    this.position += 1;
    return true;
  }

  /** Takes the next word when it is `keyword`, ignoring case. */
  acceptKeyword(keyword: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== "word" || token.text.toLowerCase() !== keyword) return false;
    this.position += 1;
    return true;
  }

  end(): void {
    if (this.position < this.tokens.length) this.fail(`unexpected ${this.upcoming()}`);
  }
}

/** A column name (exact case, as in KQL) that is still available after any `project`. */
function readColumn(reader: ClauseReader, available: readonly GraphColumn[], stringOnly: boolean): GraphColumn {
  const name = reader.word("a column");
  const column = GRAPH_COLUMNS.find((candidate) => candidate === name);
  if (column === undefined)
    reader.fail(`unknown column '${name}' (the resources table has ${GRAPH_COLUMNS.join(", ")})`);
  if (!available.includes(column)) reader.fail(`the column '${name}' was projected away`);
  if (stringOnly && !GRAPH_STRING_COLUMNS.has(column)) {
    reader.fail(`'${name}' is not a string column (${[...GRAPH_STRING_COLUMNS].join(", ")} are)`);
  }
  return column;
}

/** `=~ 'v'` or `in~ ('v', ...)`: the values, lower-cased. */
function readComparison(reader: ClauseReader): string[] {
  if (reader.acceptSymbol("=~")) return [reader.string("a quoted string").toLowerCase()];
  if (reader.acceptKeyword("in~")) {
    reader.symbol("(");
    const values = [reader.string("a quoted string").toLowerCase()];
    while (reader.acceptSymbol(",")) values.push(reader.string("a quoted string").toLowerCase());
    reader.symbol(")");
    return values;
  }
  return reader.fail(`the comparison ${reader.upcoming()} is not supported (use =~ or in~)`);
}

/** `<column> =~|in~ ...` or `tags['key'] =~|in~ ...` (also `tags.key`). */
function readCondition(reader: ClauseReader, available: readonly GraphColumn[]): GraphCondition {
  if (reader.acceptColumn("tags")) {
    if (!available.includes("tags")) reader.fail("the column 'tags' was projected away");
    let key: string;
    if (reader.acceptSymbol("[")) {
      key = reader.string("a quoted tag name");
      reader.symbol("]");
    } else {
      reader.symbol(".");
      key = reader.word("a tag name");
    }
    return { kind: "tag", key, values: readComparison(reader) };
  }
  const column = readColumn(reader, available, true);
  return { kind: "column", column, values: readComparison(reader) };
}

/** The KQL tabular operators the fake understands (`sort` is KQL's other name for `order`). */
const SUPPORTED_OPERATORS = ["where", "project", "order", "sort"];

/**
 * Parses the subset of KQL the tool sends: `resources`, then `where` (`=~` / `in~` on a string column or a
 * tag, joined by `and`), `project <columns>` and `order by <column> [asc|desc]`, keywords in any case.
 */
export function parseGraphQuery(text: string): GraphQuery {
  const [table = "", ...clauses] = splitClauses(text);
  const tableTokens = tokenizeClause(table);
  const tableName = tableTokens.length === 1 && tableTokens[0]?.kind === "word" ? tableTokens[0].text : undefined;
  if (tableName?.toLowerCase() !== "resources") {
    throw invalidClause(
      table,
      table === "" ? "the query names no table" : "the only table the fake serves is 'resources'",
    );
  }
  const query: GraphQuery = { conditions: [], columns: [...GRAPH_COLUMNS] };
  for (const clause of clauses) {
    // The operator first, so an unsupported one is named whatever syntax follows it.
    const leadingWord = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(clause)?.[0].toLowerCase();
    if (leadingWord !== undefined && !SUPPORTED_OPERATORS.includes(leadingWord)) {
      throw invalidClause(clause, `'${leadingWord}' is not an operator the fake supports (where, project, order by)`);
    }
    const reader = new ClauseReader(tokenizeClause(clause), clause);
    const operator = reader.word("an operator (where, project, order by)").toLowerCase();
    switch (operator) {
      case "where":
        do {
          query.conditions.push(readCondition(reader, query.columns));
        } while (reader.acceptKeyword("and"));
        break;
      case "project": {
        const columns = [readColumn(reader, query.columns, false)];
        while (reader.acceptSymbol(",")) {
          const column = readColumn(reader, query.columns, false);
          if (columns.includes(column)) reader.fail(`the column '${column}' is projected twice`);
          columns.push(column);
        }
        query.columns = columns;
        break;
      }
      case "order":
      case "sort": {
        if (!reader.acceptKeyword("by")) reader.fail(`expected 'by' after '${operator}', found ${reader.upcoming()}`);
        const column = readColumn(reader, query.columns, true);
        // KQL sorts descending unless told otherwise.
        const descending = !reader.acceptKeyword("asc");
        if (descending) reader.acceptKeyword("desc");
        query.order = { column, descending };
        break;
      }
      default:
        reader.fail(`'${operator}' is not an operator the fake supports (where, project, order by)`);
    }
    reader.end();
  }
  return query;
}
