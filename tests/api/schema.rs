//! The SQLite and PostgreSQL migrations must produce the same schema: same
//! tables, columns, column types (by family), nullability, foreign keys and
//! indexes. Fails the moment one migration set drifts from the other.

use std::collections::BTreeSet;

use linli::db::{Db, query, query_dyn};

use crate::helpers::{Backend, TestDb};

/// (table, column, type family, not null)
type Column = (String, String, &'static str, bool);
/// (table, columns, unique)
type Index = (String, Vec<String>, bool);
/// (table, column, referenced table)
type ForeignKey = (String, String, String);

#[derive(Debug, PartialEq)]
struct Schema {
    columns: BTreeSet<Column>,
    indexes: BTreeSet<Index>,
    foreign_keys: BTreeSet<ForeignKey>,
}

fn family(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "text" => "text",
        "real" | "double precision" => "float",
        "boolean" => "boolean",
        "blob" | "bytea" => "bytes",
        _ => "UNKNOWN",
    }
}

async fn sqlite_schema(db: &Db) -> Schema {
    let tables: Vec<(String,)> =
        query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .fetch_all(db)
            .await
            .expect("tables");
    let mut schema = Schema { columns: BTreeSet::new(), indexes: BTreeSet::new(), foreign_keys: BTreeSet::new() };
    for (table,) in tables {
        let cols: Vec<(String, String, i64, i64)> =
            query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(db)
                .await
                .expect("columns");
        for (name, ty, notnull, pk) in cols {
            schema.columns.insert((table.clone(), name, family(&ty), notnull == 1 || pk > 0));
        }
        let indexes: Vec<(String, i64, String)> = query("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
            .bind(&table)
            .fetch_all(db)
            .await
            .expect("indexes");
        for (index, unique, origin) in indexes {
            if origin == "pk" {
                continue;
            }
            let cols: Vec<(String,)> = query("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&index)
                .fetch_all(db)
                .await
                .expect("index columns");
            schema.indexes.insert((table.clone(), cols.into_iter().map(|c| c.0).collect(), unique == 1));
        }
        let fks: Vec<(String, String)> = query("SELECT \"from\", \"table\" FROM pragma_foreign_key_list($1)")
            .bind(&table)
            .fetch_all(db)
            .await
            .expect("foreign keys");
        for (from, to) in fks {
            schema.foreign_keys.insert((table.clone(), from, to));
        }
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let cols: Vec<(String, String, String, String)> = query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
         FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .fetch_all(db)
    .await
    .expect("columns");
    let indexes: Vec<(String, String, bool)> = query_dyn(
        "SELECT t.relname::text, string_agg(a.attname::text, ',' ORDER BY k.ord), ix.indisunique
         FROM pg_index ix
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
         WHERE n.nspname = current_schema() AND NOT ix.indisprimary
         GROUP BY t.relname, i.relname, ix.indisunique"
            .to_string(),
    )
    .fetch_all(db)
    .await
    .expect("indexes");
    let fks: Vec<(String, String, String)> = query(
        "SELECT cl.relname::text, a.attname::text, ref.relname::text
         FROM pg_constraint c
         JOIN pg_class cl ON cl.oid = c.conrelid
         JOIN pg_class ref ON ref.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = cl.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
         WHERE c.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(db)
    .await
    .expect("foreign keys");
    Schema {
        columns: cols.into_iter().map(|(t, c, ty, nullable)| (t, c, family(&ty), nullable == "NO")).collect(),
        indexes: indexes
            .into_iter()
            .map(|(t, cols, unique)| (t, cols.split(',').map(str::to_string).collect(), unique))
            .collect(),
        foreign_keys: fks.into_iter().collect(),
    }
}

fn only<T: Ord + Clone>(x: &BTreeSet<T>, y: &BTreeSet<T>) -> Vec<T> {
    x.difference(y).cloned().collect()
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let Some(pg) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let lite = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let pg_db = Db::connect(&pg.url, &Default::default()).await.expect("pg");
    let lite_db = Db::connect(&lite.url, &Default::default()).await.expect("sqlite");
    linli::db::migrate(&pg_db).await.expect("migrate pg");
    linli::db::migrate(&lite_db).await.expect("migrate sqlite");
    let (a, b) = (sqlite_schema(&lite_db).await, postgres_schema(&pg_db).await);
    assert!(a.columns.iter().all(|c| c.2 != "UNKNOWN"), "unmapped SQLite type: {:?}", a.columns);
    assert!(b.columns.iter().all(|c| c.2 != "UNKNOWN"), "unmapped PostgreSQL type: {:?}", b.columns);
    assert!(
        a == b,
        "schemas drifted\n columns only in SQLite: {:?}\n columns only in PostgreSQL: {:?}\n indexes only in SQLite: {:?}\n indexes only in PostgreSQL: {:?}\n foreign keys only in SQLite: {:?}\n foreign keys only in PostgreSQL: {:?}",
        only(&a.columns, &b.columns),
        only(&b.columns, &a.columns),
        only(&a.indexes, &b.indexes),
        only(&b.indexes, &a.indexes),
        only(&a.foreign_keys, &b.foreign_keys),
        only(&b.foreign_keys, &a.foreign_keys),
    );
    assert!(a.columns.len() > 50, "introspection found too little: {}", a.columns.len());
    pg_db.close().await;
    lite_db.close().await;
}
