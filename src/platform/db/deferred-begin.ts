import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type RawBuilder,
  sql,
  type TransactionSettings,
} from 'kysely';

/**
 * Marks a parameterless statement whose result nobody reads. Opening a transaction, such a statement
 * travels with its BEGIN in one round trip (a simple-protocol query of two statements). Tenant
 * transactions start with one (`set_config` of the tenant), and every round trip counts on the hot paths.
 */
const RESULT_FREE = '/* result-free */ ';

export function resultFree(statement: string): RawBuilder<unknown> {
  return sql.raw(`${RESULT_FREE}${statement}`);
}

/**
 * A connection whose BEGIN waits for the transaction's first statement: with a result-free one it goes in
 * the same round trip, with any other one just before it, and a transaction that ran nothing sends none.
 */
class DeferredBeginConnection implements DatabaseConnection {
  beginPending = false;

  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.beginPending) return this.inner.executeQuery(compiledQuery);
    this.beginPending = false;
    if (compiledQuery.parameters.length === 0 && compiledQuery.sql.startsWith(RESULT_FREE)) {
      await this.inner.executeQuery(CompiledQuery.raw(`begin; ${compiledQuery.sql}`));
      return { rows: [] };
    }
    await this.inner.executeQuery(CompiledQuery.raw('begin'));
    return this.inner.executeQuery(compiledQuery);
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (this.beginPending) {
      this.beginPending = false;
      await this.inner.executeQuery(CompiledQuery.raw('begin'));
    }
    yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

function innerOf(connection: DatabaseConnection): DatabaseConnection {
  if (!(connection instanceof DeferredBeginConnection)) throw new Error('foreign database connection');
  return connection.inner;
}

class DeferredBeginDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new DeferredBeginConnection(await this.inner.acquireConnection());
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // An isolation level or access mode goes with BEGIN itself: sent as Kysely would.
    if (settings.isolationLevel || settings.accessMode) {
      return this.inner.beginTransaction(innerOf(connection), settings);
    }
    (connection as DeferredBeginConnection).beginPending = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.endsUnbegun(connection)) return;
    return this.inner.commitTransaction(innerOf(connection));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.endsUnbegun(connection)) return;
    return this.inner.rollbackTransaction(innerOf(connection));
  }

  // Through the wrapper connection: a savepoint as the transaction's first statement needs BEGIN first.
  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    await this.savepoints('savepoint').call(this.inner, connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await this.savepoints('rollbackToSavepoint').call(this.inner, connection, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) {
    await this.savepoints('releaseSavepoint').call(this.inner, connection, name, compile);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as DeferredBeginConnection).beginPending = false;
    return this.inner.releaseConnection(innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  private savepoints(method: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint') {
    const implementation = this.inner[method];
    if (!implementation) throw new Error(`the database driver has no ${method}`);
    return implementation;
  }

  /** True when the transaction ran no statement, so its BEGIN was never sent: nothing to end. */
  private endsUnbegun(connection: DatabaseConnection): boolean {
    const deferred = connection as DeferredBeginConnection;
    if (!deferred.beginPending) return false;
    deferred.beginPending = false;
    return true;
  }
}

/** `dialect` with BEGIN deferred to the transaction's first statement (see `resultFree`). */
export function withDeferredBegin(dialect: Dialect): Dialect {
  return {
    createDriver: () => new DeferredBeginDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
