//! `serve` and `report` through the Citus coordinator (issue 14, item 4): each request's
//! `SET LOCAL search_path` routes it to its tenant's worker, and isolation holds under
//! concurrent requests for tenants on both workers; `report` fans out through the coordinator
//! and every tenant answers with its own rows. Skipped with the rest of the Citus group.

use crate::citus::{Cluster, cluster};
use crate::serve::{app, get, names};
use axum::http::StatusCode;
use sqlx::AssertSqlSafe;

/// Four tenants, two on each worker, each with `n` posts titled `<Name> post <i>`.
async fn fleet(c: &Cluster, n: usize) -> Vec<(String, String)> {
    c.env.init().await;
    let mut out = Vec::new();
    for (i, name) in ["Acme", "Beta", "Gamma", "Delta"].iter().enumerate() {
        let schema = c.env.tenant(name, &name.to_lowercase()).await;
        let want = &c.workers[i % 2];
        if &c.node_of(&schema, "posts").await != want {
            let (host, port) = want.rsplit_once(':').unwrap();
            sqlx::query(
                "SELECT citus_schema_move($1::regnamespace, $2, $3, shard_transfer_mode => 'block_writes')",
            )
            .bind(&schema)
            .bind(host)
            .bind(port.parse::<i32>().unwrap())
            .execute(&c.env.pool)
            .await
            .unwrap();
        }
        assert_eq!(&c.node_of(&schema, "posts").await, want);
        // (Not INSERT ... SELECT: see citus.rs `make_post`.)
        let community: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT min(id) FROM \"{schema}\".communities"
        )))
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
        for k in 0..n {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO \"{schema}\".posts (community_id, title, body, published_at) \
                 VALUES ($1, $2, 'b', now())"
            )))
            .bind(community)
            .bind(format!("{name} post {k}"))
            .execute(&c.env.pool)
            .await
            .unwrap();
        }
        out.push((name.to_string(), schema));
    }
    out
}

#[tokio::test]
async fn serve_isolates_tenants_on_both_workers_under_concurrent_requests() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    let tenants = fleet(&c, 3).await;
    // A table of the same name in `public` (a legacy host table): never reached.
    c.env
        .sql(
            "CREATE TABLE public.communities (id bigint, slug text, name text, description text, \
             visibility text, created_at timestamptz, archived_at timestamptz); \
             INSERT INTO public.communities VALUES (1, 'leak', 'LEAK from public', NULL, 'public', now(), NULL)",
        )
        .await;
    let app = app(&c.env, &[("TENANTCTL_SERVE_POOL_SIZE", "6")]).await;
    let mut set = tokio::task::JoinSet::new();
    for round in 0..25 {
        for (name, _) in &tenants {
            let app = app.clone();
            let name = name.clone();
            set.spawn(async move {
                let host = format!("{}.example.test", name.to_lowercase());
                let uri = if round % 2 == 0 {
                    "/api/posts?limit=100"
                } else {
                    "/api/communities"
                };
                let a = get(&app, &host, uri).await;
                (name, uri, a.status, names(&a.body), a.body)
            });
        }
    }
    let mut answered = 0;
    let mut leaks = Vec::new();
    while let Some(r) = set.join_next().await {
        let (name, uri, status, got, body) = r.unwrap();
        assert_eq!(status, StatusCode::OK, "{name} {uri}: {body}");
        answered += 1;
        let own = if uri.starts_with("/api/posts") {
            got.len() == 3 && got.iter().all(|t| t.starts_with(&format!("{name} post ")))
        } else {
            got == vec![format!("{name} Community")]
        };
        if !own {
            leaks.push((name, uri, got));
        }
    }
    assert_eq!(answered, 100);
    assert_eq!(leaks, Vec::<(String, &str, Vec<String>)>::new(), "0 leaks");
}

#[tokio::test]
async fn report_fans_out_through_the_coordinator_with_each_tenants_own_rows() {
    let Some(c) = cluster(Some(true)).await else {
        return;
    };
    let tenants = fleet(&c, 2).await;
    let r = c
        .env
        .run(&[
            "report",
            "query",
            "-o",
            "json",
            "--sql",
            "select count(*) as n, min(title) as first from posts",
        ])
        .await;
    r.ok();
    let v = r.json();
    let rows = v["rows"].as_array().expect("rows");
    for (name, schema) in &tenants {
        let row = rows
            .iter()
            .find(|x| x["platform"] == name.as_str())
            .unwrap_or_else(|| panic!("no row for {name}: {v}"));
        assert_eq!(row["n"], 2, "{row}");
        assert_eq!(row["first"], format!("{name} post 0"), "{row}");
        assert_eq!(row["schema"], schema.as_str(), "{row}");
    }
    // Each tenant's query runs with its own schema alone on the search_path. (Asked in the
    // same query as `posts`, `current_schema()` would be evaluated on the worker, which
    // answers `public`: Citus pushes the whole query down.)
    let r = c
        .env
        .run(&[
            "report",
            "query",
            "-o",
            "json",
            "--sql",
            "select current_schema() as here",
        ])
        .await;
    r.ok();
    let v2 = r.json();
    for (name, schema) in &tenants {
        let row = v2["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["platform"] == name.as_str())
            .unwrap_or_else(|| panic!("no row for {name}: {v2}"));
        assert_eq!(row["here"], schema.as_str(), "{row}");
    }
    // The host platform's own schema answers too (no posts).
    let host = rows.iter().find(|x| x["platform"] == "Host").expect("Host");
    assert_eq!(host["n"], 0);
    // Still read-only on distributed tables.
    let w = c
        .env
        .run(&["report", "query", "--sql", "delete from posts returning id"])
        .await;
    assert_ne!(w.code, 0, "{w:?}");
    for (_, schema) in &tenants {
        assert_eq!(c.env.count(schema, "posts").await, 2);
    }
    // A built-in report runs too.
    let p = c.env.run(&["report", "provisioning", "-o", "json"]).await;
    p.ok();
}
