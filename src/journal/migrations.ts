// The journal's schema, as numbered migrations. A migration is applied once, in its own
// transaction, and recorded in `schema_migrations`; never edit one that has shipped — add the
// next number instead. Tables are STRICT so a money column can never quietly hold a REAL:
// money is decimal TEXT, times are INTEGER ms, JSON columns are checked to be objects.

export interface Migration {
  /** Applied in ascending order; never reused. */
  readonly id: number;
  /** A short kebab-case name, shown when the migration fails. */
  readonly name: string;
  /** One or more statements (no BEGIN/COMMIT: the runner wraps each migration in a transaction). */
  readonly sql: string;
  /** Rebuilds a table others reference: run with foreign keys off (they cannot be turned off inside a
   * transaction), then every reference checked (PRAGMA foreign_key_check) before it commits. */
  readonly rebuildsTables?: boolean;
}

const ORDER_COLUMN_LIST =
  'client_order_id, crew_id, advice_key, symbol, side, type, quantity, quote_quantity, price, stop_price, ' +
  'time_in_force, status, exchange_order_id, executed_qty, cumulative_quote, reason, created_at, updated_at, purpose';
/** What follows the crew's id in an advice key (`@<candle time>`, `@flatten@…`, `@stop@…`): the first column of orders_by_advice. */
export const ADVICE_KEY_ORDER = `substr(advice_key, instr(advice_key, '@'))`;
const ORDER_STATUS = `('new','submitted','partially_filled','filled','cancelled','rejected','expired','unknown')`;

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'initial-schema',
    sql: `
CREATE TABLE crew_instances (
  id              TEXT PRIMARY KEY
                  CHECK (length(id) BETWEEN 1 AND 40 AND id NOT GLOB '*[^A-Za-z0-9_.-]*'),
  module          TEXT NOT NULL,
  team            TEXT NOT NULL,
  symbol          TEXT NOT NULL,
  interval        TEXT NOT NULL
                  CHECK (interval IN ('1m','3m','5m','15m','30m','1h','2h','4h','6h','8h','12h','1d')),
  params          TEXT NOT NULL CHECK (json_type(params) = 'object'),
  capital         TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('active','paused','stopped')),
  status_reason   TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (json_type(state) = 'object'),
  next_order_seq  INTEGER NOT NULL CHECK (next_order_seq >= 0),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE orders (
  client_order_id   TEXT PRIMARY KEY,
  crew_id           TEXT NOT NULL REFERENCES crew_instances (id),
  advice_key        TEXT NOT NULL UNIQUE,
  symbol            TEXT NOT NULL,
  side              TEXT NOT NULL CHECK (side IN ('BUY','SELL')),
  type              TEXT NOT NULL CHECK (type IN ('MARKET','LIMIT','STOP_LOSS','STOP_LOSS_LIMIT')),
  quantity          TEXT,
  quote_quantity    TEXT,
  price             TEXT,
  stop_price        TEXT,
  time_in_force     TEXT CHECK (time_in_force IN ('GTC','IOC','FOK')),
  status            TEXT NOT NULL CHECK (status IN ${ORDER_STATUS}),
  exchange_order_id TEXT,
  executed_qty      TEXT NOT NULL,
  cumulative_quote  TEXT NOT NULL,
  reason            TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  -- Exactly one of quantity / quote_quantity, as OrderRequest promises.
  CHECK ((quantity IS NULL) <> (quote_quantity IS NULL))
) STRICT;
CREATE INDEX orders_by_crew ON orders (crew_id, created_at);
-- Same predicate as the open-orders query, so recovery reads only live orders.
CREATE INDEX orders_open ON orders (created_at)
  WHERE status IN ('new','submitted','partially_filled','unknown');

CREATE TABLE order_events (
  id               INTEGER PRIMARY KEY,
  client_order_id  TEXT NOT NULL REFERENCES orders (client_order_id),
  from_status      TEXT CHECK (from_status IN ${ORDER_STATUS}),
  to_status        TEXT NOT NULL CHECK (to_status IN ${ORDER_STATUS}),
  executed_qty     TEXT NOT NULL,
  reason           TEXT NOT NULL,
  at               INTEGER NOT NULL
) STRICT;
CREATE INDEX order_events_by_order ON order_events (client_order_id, id);

CREATE TABLE fills (
  id                INTEGER PRIMARY KEY,
  symbol            TEXT NOT NULL,
  trade_id          TEXT NOT NULL,
  client_order_id   TEXT NOT NULL REFERENCES orders (client_order_id),
  crew_id           TEXT NOT NULL REFERENCES crew_instances (id),
  exchange_order_id TEXT NOT NULL,
  side              TEXT NOT NULL CHECK (side IN ('BUY','SELL')),
  price             TEXT NOT NULL,
  quantity          TEXT NOT NULL,
  quote_quantity    TEXT NOT NULL,
  fee               TEXT NOT NULL,
  fee_asset         TEXT NOT NULL,
  time              INTEGER NOT NULL,
  UNIQUE (symbol, trade_id)
) STRICT;
CREATE INDEX fills_by_crew ON fills (crew_id, time);
CREATE INDEX fills_by_order ON fills (client_order_id);
CREATE INDEX fills_by_time ON fills (time);

CREATE TABLE positions (
  crew_id       TEXT PRIMARY KEY REFERENCES crew_instances (id),
  symbol        TEXT NOT NULL,
  quantity      TEXT NOT NULL,
  cost_basis    TEXT NOT NULL,
  cash          TEXT NOT NULL,
  realized_pnl  TEXT NOT NULL,
  fees_paid     TEXT NOT NULL,
  entry_time    INTEGER,
  entry_price   TEXT
) STRICT;

CREATE TABLE equity_snapshots (
  id      INTEGER PRIMARY KEY,
  scope   TEXT NOT NULL,
  equity  TEXT NOT NULL,
  at      INTEGER NOT NULL
) STRICT;
CREATE INDEX equity_by_scope ON equity_snapshots (scope, at);

CREATE TABLE advice (
  id           INTEGER PRIMARY KEY,
  crew_id      TEXT NOT NULL REFERENCES crew_instances (id),
  advice_key   TEXT NOT NULL,
  candle_time  INTEGER NOT NULL,
  action       TEXT NOT NULL CHECK (action IN ('buy','sell','hold')),
  size         REAL,
  reason       TEXT NOT NULL,
  at           INTEGER NOT NULL
) STRICT;
CREATE INDEX advice_by_crew ON advice (crew_id, id);
CREATE INDEX advice_by_key ON advice (advice_key);

-- No foreign key on crew_id: a denial is a fact worth keeping even for a crew that is gone.
CREATE TABLE risk_events (
  id          INTEGER PRIMARY KEY,
  crew_id     TEXT,
  advice_key  TEXT,
  rule        TEXT NOT NULL,
  reason      TEXT NOT NULL,
  detail      TEXT CHECK (detail IS NULL OR json_type(detail) = 'object'),
  at          INTEGER NOT NULL
) STRICT;
CREATE INDEX risk_events_by_crew ON risk_events (crew_id, at);
CREATE INDEX risk_events_by_time ON risk_events (at);

CREATE TABLE audit (
  id      INTEGER PRIMARY KEY,
  actor   TEXT NOT NULL,
  via     TEXT NOT NULL,
  action  TEXT NOT NULL,
  detail  TEXT CHECK (detail IS NULL OR json_type(detail) = 'object'),
  at      INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_by_time ON audit (at);

CREATE TABLE halt (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  level   TEXT NOT NULL CHECK (level IN ('none','entries','cancel','flatten')),
  reason  TEXT NOT NULL,
  actor   TEXT NOT NULL,
  since   INTEGER
) STRICT;

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL CHECK (json_valid(value))
) STRICT;
`,
  },
  {
    id: 2,
    name: 'order-purpose',
    // A protective stop resting on the exchange for a held position is an order like any other, marked so
    // that a halt at 'cancel' keeps it and a restart knows it for what it is.
    sql: `ALTER TABLE orders ADD COLUMN purpose TEXT NOT NULL DEFAULT 'trade' CHECK (purpose IN ('trade','protective'));`,
  },
  {
    id: 3,
    name: 'crew-venue',
    sql: `
ALTER TABLE crew_instances ADD COLUMN venue TEXT NOT NULL DEFAULT 'exchange' CHECK (venue IN ('paper','exchange'));
ALTER TABLE crew_instances ADD COLUMN venue_since INTEGER NOT NULL DEFAULT 0;
UPDATE crew_instances SET venue_since = created_at;
`,
  },
  {
    // Every index entry an order commit adds is one more page written to the WAL before the order may
    // be sent, and with many crews the entries keyed by crew or by client order id land on as many
    // different pages as there are crews. These three served no query on the trading path:
    // listing a crew's orders and one order's events (reports, tools) scan instead; nothing reads
    // advice by key (an order's advice key is found through `orders`).
    id: 4,
    name: 'fewer-indexes-on-the-order-path',
    sql: `
DROP INDEX orders_by_crew;
DROP INDEX order_events_by_order;
DROP INDEX advice_by_key;
`,
  },
  {
    // One order per advice stays a unique index, but keyed by what follows the crew's id first (the
    // candle's time): the orders of one close sit side by side in it, one page or two, where
    // `UNIQUE (advice_key)` put each crew's on a page of its own — a third of a 20-crew close's
    // pre-send commit. Unique on (f(key), key) is unique on key. A table's UNIQUE cannot be dropped:
    // the table is rebuilt (SQLite's own procedure, rowids kept).
    id: 5,
    name: 'advice-key-index-by-time',
    rebuildsTables: true,
    sql: `
CREATE TABLE orders_rebuilt (
  client_order_id   TEXT PRIMARY KEY,
  crew_id           TEXT NOT NULL REFERENCES crew_instances (id),
  advice_key        TEXT NOT NULL,
  symbol            TEXT NOT NULL,
  side              TEXT NOT NULL CHECK (side IN ('BUY','SELL')),
  type              TEXT NOT NULL CHECK (type IN ('MARKET','LIMIT','STOP_LOSS','STOP_LOSS_LIMIT')),
  quantity          TEXT,
  quote_quantity    TEXT,
  price             TEXT,
  stop_price        TEXT,
  time_in_force     TEXT CHECK (time_in_force IN ('GTC','IOC','FOK')),
  status            TEXT NOT NULL CHECK (status IN ${ORDER_STATUS}),
  exchange_order_id TEXT,
  executed_qty      TEXT NOT NULL,
  cumulative_quote  TEXT NOT NULL,
  reason            TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  purpose           TEXT NOT NULL DEFAULT 'trade' CHECK (purpose IN ('trade','protective')),
  CHECK ((quantity IS NULL) <> (quote_quantity IS NULL))
) STRICT;
INSERT INTO orders_rebuilt (rowid, ${ORDER_COLUMN_LIST})
  SELECT rowid, ${ORDER_COLUMN_LIST} FROM orders ORDER BY rowid;
DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;
CREATE INDEX orders_open ON orders (created_at)
  WHERE status IN ('new','submitted','partially_filled','unknown');
CREATE UNIQUE INDEX orders_by_advice ON orders (${ADVICE_KEY_ORDER}, advice_key);
`,
  },
];
