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
    let mut figures: Vec<(String, Figures)> = Vec::new();
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
    let district = linli::org::store::node_by_code(&app.db, "320602").await.expect("district");
    let street = linli::org::store::node_by_id(&app.db, district_child(&app).await).await.expect("street");
    let micro_a = linli::org::store::node_by_id(&app.db, nodes[0].0).await.expect("node");
    let micro_c = linli::org::store::node_by_id(&app.db, nodes[2].0).await.expect("node");
    let scopes = [district, street, micro_a, micro_c];
    // Whole CST days (16:00 UTC is midnight in Beijing), hours, and periods
    // with partial days at either end.
    let periods =
        [(0, 500 * H), (100 * H, 200 * H), (250 * H, 260 * H), (16 * H, 16 * H + 10 * 24 * H), (40 * H, 64 * H)];
    let check = |figures: Vec<(String, Figures)>, stage: &'static str| {
        let (db, scopes) = (&app.db, &scopes);
        async move {
            for scope in scopes {
                for (from, to) in periods {
                    for suspended_leave in [true, false] {
                        let period = Period { from, to };
                        let in_scope: Vec<Figures> = figures
                            .iter()
                            .filter(|(p, _)| p.starts_with(&scope.path))
                            .map(|(_, f)| f.clone())
                            .collect();
                        let expected = indicators::compute(&in_scope, period, now, suspended_leave);
                        let got = indicators::for_subtree(db, scope, period, now, suspended_leave).await.expect("sql");
                        assert_eq!(
                            got, expected,
                            "{stage}: scope {}, period {from}..{to}, suspended leave {suspended_leave}",
                            scope.code
                        );
                    }
                }
            }
        }
    };
    check(figures.clone(), "as inserted").await;
    assert!(linli::cases::rollup::compact(&app.db, true).await.expect("compact") > 0, "there were rows to fold");
    check(figures.clone(), "compacted").await;
    // Changes after the fact: the triggers keep the roll-up true.
    for (i, (_, f)) in figures.iter_mut().enumerate().filter(|(i, _)| i % 7 == 0) {
        let (status, closed, rating) = match f.status {
            Status::Closed | Status::Evaluated => (Status::InProgress, None, None),
            Status::Suspended => (Status::Evaluated, Some(f.created_at + 5 * H), Some(5)),
            _ => (Status::Closed, Some(f.created_at + 30 * H), None),
        };
        let due = f.due_at.map(|d| d + 24 * H);
        query("UPDATE cases SET status = $1, closed_at = $2, rating = $3, due_at = $4, rework_count = rework_count + 1 WHERE token = $5")
            .bind(status)
            .bind(closed)
            .bind(rating)
            .bind(due)
            .bind(format!("gen-{i}"))
            .execute(&app.db)
            .await
            .expect("update");
        *f = Figures { status, closed_at: closed, rating, due_at: due, rework_count: f.rework_count + 1, ..f.clone() };
    }
    check(figures.clone(), "updated").await;
    linli::cases::rollup::compact(&app.db, false).await.expect("compact");
    check(figures.clone(), "updated and compacted").await;
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

/// The street above the demo's first community.
async fn district_child(app: &TestApp) -> i64 {
    query("SELECT id FROM org_nodes WHERE level = 'street' ORDER BY code LIMIT 1")
        .scalar(&app.db)
        .await
        .expect("street")
}
