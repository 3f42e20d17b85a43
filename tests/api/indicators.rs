//! The indicators' SQL agrees with their definition (`indicators::compute`,
//! unit-tested by hand) on many generated cases, on both backends.

use linli::cases::indicators::{self, Figures, Period};
use linli::cases::workflow::Status;
use linli::db::query;

use crate::helpers::TestApp;

crate::on_both_backends!(sql_and_definition_agree);

const H: i64 = 3_600_000;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n) as i64
    }
}

async fn sql_and_definition_agree(app: TestApp) {
    // Micro-grids of two grids of 越江社区 and one of 园林社区.
    let nodes: Vec<(i64, String)> = query(
        "SELECT id, path FROM org_nodes WHERE code IN ('32060201100301001', '32060201100306098', '32060201200501001')",
    )
    .fetch_all(&app.db)
    .await
    .expect("nodes");
    assert_eq!(nodes.len(), 3);
    let statuses = [
        Status::Dispatched,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
        Status::Evaluated,
        Status::Suspended,
        Status::Rejected,
        Status::Merged,
    ];
    let mut rng = Rng(0x5eed);
    let mut figures = Vec::new();
    for i in 0..150 {
        let (node_id, path) = &nodes[rng.next(3) as usize];
        let status = statuses[rng.next(statuses.len() as u64) as usize];
        let created = rng.next(400) * H;
        let due = created + (1 + rng.next(72)) * H;
        let closed = status.is_finished().then(|| created + rng.next(100) * H);
        let rating = (status == Status::Evaluated).then(|| 1 + rng.next(5));
        let rework = rng.next(3);
        query(
            "INSERT INTO cases (token, category, status, description, source, node_id, node_path, due_at, closed_at,
                                rating, rework_count, created_at, updated_at)
             VALUES ($1, 'lighting', $2, 'generated', 'staff', $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(format!("gen-{i}"))
        .bind(status)
        .bind(*node_id)
        .bind(path.clone())
        .bind(due)
        .bind(closed)
        .bind(rating)
        .bind(rework)
        .bind(created)
        .execute(&app.db)
        .await
        .expect("insert");
        figures.push((
            path.clone(),
            Figures { status, created_at: created, due_at: Some(due), closed_at: closed, rework_count: rework, rating },
        ));
    }
    let now = 300 * H;
    for scope in ["/", &nodes[0].1, &nodes[2].1, "/1/2/"] {
        for (from, to) in [(0, 500 * H), (100 * H, 200 * H), (250 * H, 260 * H)] {
            for suspended_leave in [true, false] {
                let period = Period { from, to };
                let in_scope: Vec<Figures> =
                    figures.iter().filter(|(p, _)| p.starts_with(scope)).map(|(_, f)| f.clone()).collect();
                let expected = indicators::compute(&in_scope, period, now, suspended_leave);
                let got = indicators::for_subtree(&app.db, scope, period, now, suspended_leave).await.expect("sql");
                assert_eq!(got, expected, "scope {scope}, period {from}..{to}, suspended leave {suspended_leave}");
            }
        }
    }
    let whole = indicators::compute(
        &figures.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>(),
        Period { from: 0, to: 500 * H },
        now,
        true,
    );
    assert!(
        whole.counts.due > 50 && whole.counts.closed > 10 && whole.counts.overdue > 10,
        "the data exercises every count: {whole:?}"
    );
}
