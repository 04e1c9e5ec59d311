
use builtin;
use str;

set edit:completion:arg-completer[tenantctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tenantctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tenantctl'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Set up: apply the registry migrations, create and provision the host platform'
            cand platform 'Create, list, show and change platforms'
            cand provision 'Provision a platform''s schema now (create, migrate, seed), waiting for the outcome; `provision pool` keeps the warm pool of spare schemas'
            cand worker 'Run provisioning jobs from the queue (until SIGTERM, or with --once until it is empty)'
            cand migrate 'Apply registry migrations, then tenant migrations across every tenant schema'
            cand migrate-host-to-schema 'Move the host platform''s legacy data from public into its schema (pre-flight checks, CONFIRM=yes, one verified transaction)'
            cand backup 'Back up tenant schemas (pg_dump, to a folder or S3); list, fetch and verify backups'
            cand restore 'Replace a platform''s schema with one of its backups, atomically'
            cand cleanup 'Delete the backups the retention rule does not keep (7 daily, 4 weekly, 12 monthly)'
            cand config 'Show the effective configuration'
            cand report 'Ask every tenant schema a read-only question, and the built-in reports (sizes, provisioning, backups, history)'
            cand status 'The fleet on one screen; `--check` for monitoring, `--format prometheus` for metrics'
            cand serve 'Serve HTTP: each request reaches its tenant''s schema, by Host header'
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand generate 'Write the generated completions, man pages and configuration reference'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;init'= {
            cand --name 'Name of the host platform'
            cand --domain 'Domain of the host platform (the parent of tenants'' subdomains)'
            cand --subdomain 'Subdomain of the host platform (under --domain or `base_domain`)'
            cand --contact-email 'Address for provisioning notifications'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --non-interactive 'Take every answer from the flags; never prompt (CI, scripts)'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand create 'Register a new platform (its schema name is generated unless --schema is given)'
            cand list 'List platforms with their address, schema, status, last backup and size'
            cand show 'Show one platform in full, with its domain history'
            cand set-domain 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
            cand retry 'Queue the provisioning of failed or stuck platforms again'
            cand delete 'Delete a platform: drop its schema and its registry row in one transaction'
            cand maintenance 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out'
            cand verify-domain 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;platform;create'= {
            cand --name 'Display name, unique regardless of case (1-100 characters, not all digits)'
            cand --subdomain 'Subdomain (one label: a-z, 0-9, single hyphens): served at SUBDOMAIN.DOMAIN, or under the base domain when no --domain is given'
            cand --domain 'Custom domain, like community.example.org (lower-cased; unicode becomes punycode)'
            cand --url 'URL of an external platform'
            cand --schema 'Schema name instead of the generated `tenant_<subdomain or name>_<6 hex>`'
            cand --contact-email 'Address for provisioning notifications'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --host 'This is the host platform (at most one); its domain is the base for subdomains'
            cand --external 'Hosted elsewhere: registered with its --url or --domain, no schema'
            cand --wait 'Wait until the queued provisioning has finished (a worker runs it)'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform;list'= {
            cand --sort 'Order of the rows (size: largest first)'
            cand --status 'Only platforms in this provision status'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform;show'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform;set-domain'= {
            cand --domain 'The new domain (the platform is then served at [SUBDOMAIN.]DOMAIN)'
            cand --subdomain 'A subdomain under the new domain; without it the platform is served at DOMAIN itself'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform;retry'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --all-failed 'Every failed platform, and every platform stuck in provisioning longer than `provision.stuck_after`'
            cand --wait 'Wait until the queued jobs have finished (a worker runs them)'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform;delete'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform;maintenance'= {
            cand --reason 'Why, shown to users in the 503 answer (with `on`)'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform;verify-domain'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;platform;help'= {
            cand create 'Register a new platform (its schema name is generated unless --schema is given)'
            cand list 'List platforms with their address, schema, status, last backup and size'
            cand show 'Show one platform in full, with its domain history'
            cand set-domain 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
            cand retry 'Queue the provisioning of failed or stuck platforms again'
            cand delete 'Delete a platform: drop its schema and its registry row in one transaction'
            cand maintenance 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out'
            cand verify-domain 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;platform;help;create'= {
        }
        &'tenantctl;platform;help;list'= {
        }
        &'tenantctl;platform;help;show'= {
        }
        &'tenantctl;platform;help;set-domain'= {
        }
        &'tenantctl;platform;help;retry'= {
        }
        &'tenantctl;platform;help;delete'= {
        }
        &'tenantctl;platform;help;maintenance'= {
        }
        &'tenantctl;platform;help;verify-domain'= {
        }
        &'tenantctl;platform;help;help'= {
        }
        &'tenantctl;provision'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand pool 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;provision;pool'= {
            cand --size 'Spare schemas to keep: missing ones are built, extra ones dropped, old ones migrated [config: provision.pool_size] [default: 0]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;provision;help'= {
            cand pool 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;provision;help;pool'= {
        }
        &'tenantctl;provision;help;help'= {
        }
        &'tenantctl;worker'= {
            cand --concurrency 'Jobs provisioned at once [env: TENANTCTL_WORKER_CONCURRENCY] [config: worker.concurrency] [default: 1]'
            cand --pool-size 'Spare schemas to keep in the warm pool [config: provision.pool_size] [default: 0]'
            cand --id 'Name of this worker in the job records [default: HOST:PID]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --once 'Run the jobs that are ready (and refill the warm pool), then exit (cron, tests)'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;migrate'= {
            cand --tenant 'Only these tenants (platform names or ids; repeat the flag or list several)'
            cand --exclude 'Skip these tenants (platform names or ids; repeat the flag or list several)'
            cand --tenant-migrations 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]'
            cand -j 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]'
            cand --jobs 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]'
            cand --lock-timeout 'lock_timeout of each tenant''s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]'
            cand --canary 'Migrate N tenants first (the first N, by id, with something pending) and stop before the rest if any of them fails'
            cand --canary-tenants 'Migrate these tenants first and stop before the rest if any of them fails'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --registry-only 'Only the registry migrations (public.platforms and the tenantctl schema)'
            cand --tenants-only 'Only the tenant migrations (the registry must be migrated already)'
            cand --dry-run 'Say what would run where; change nothing'
            cand --no-wait 'Exit at once (status 5) when another migrate run holds the lock, instead of waiting'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand status 'Show each tenant''s applied version, pending count, drift and last error'
            cand rollback 'Run down migrations until the tenants are at VERSION (asks for confirmation)'
            cand verify 'Compare each tenant schema''s structure with a reference built from the migration set'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;migrate;status'= {
            cand --tenant 'Only these tenants (platform names or ids; repeat the flag or list several)'
            cand --exclude 'Skip these tenants (platform names or ids; repeat the flag or list several)'
            cand --tenant-migrations 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --behind 'Only tenants not at the latest version (something pending, or no schema)'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;migrate;rollback'= {
            cand --to 'The version to go back to: every applied migration above it is reverted (0: all)'
            cand --tenant 'Only these tenants (platform names or ids; repeat the flag or list several)'
            cand --exclude 'Skip these tenants (platform names or ids; repeat the flag or list several)'
            cand --tenant-migrations 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]'
            cand -j 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]'
            cand --jobs 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]'
            cand --lock-timeout 'lock_timeout of each tenant''s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --dry-run 'Say what would be reverted where; change nothing'
            cand --no-wait 'Exit at once (status 5) when another migrate run holds the lock, instead of waiting'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;migrate;verify'= {
            cand --tenant 'Only these tenants (platform names or ids; repeat the flag or list several)'
            cand --exclude 'Skip these tenants (platform names or ids; repeat the flag or list several)'
            cand --tenant-migrations 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]'
            cand -j 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]'
            cand --jobs 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]'
            cand --lock-timeout 'lock_timeout of each tenant''s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;migrate;help'= {
            cand status 'Show each tenant''s applied version, pending count, drift and last error'
            cand rollback 'Run down migrations until the tenants are at VERSION (asks for confirmation)'
            cand verify 'Compare each tenant schema''s structure with a reference built from the migration set'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;migrate;help;status'= {
        }
        &'tenantctl;migrate;help;rollback'= {
        }
        &'tenantctl;migrate;help;verify'= {
        }
        &'tenantctl;migrate;help;help'= {
        }
        &'tenantctl;migrate-host-to-schema'= {
            cand --tables 'Copy only these public tables (comma-separated) [default: every public table but the registry and migration bookkeeping]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --dry-run 'Run the pre-flight checks and print the plan (tables in dependency order, row counts); change nothing'
            cand --truncate-targets 'Empty target tables that already hold rows (the seed rows of a freshly provisioned host schema), inside the copy transaction'
            cand --drop-public 'The later, separate step: re-verify the last copy and drop its public tables (asks again)'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;backup'= {
            cand --stale 'Only platforms whose last backup is older than AGE or missing (e.g. 24h)'
            cand -j 'pg_dump processes at once [env: TENANTCTL_BACKUP_JOBS] [config: backup.jobs] [default: 2]'
            cand --jobs 'pg_dump processes at once [env: TENANTCTL_BACKUP_JOBS] [config: backup.jobs] [default: 2]'
            cand --batch-size 'Schemas one pg_dump dumps together; 0: automatic [config: backup.batch_size] [default: 0]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --all 'Back up every provisioned platform'
            cand --public 'Back up the database''s `public` schema (the registry, and legacy tables before `migrate-host-to-schema`) to `public/<id>.dump`'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List a platform''s backups: time, age, size, checksum, migration version'
            cand get 'Download one backup''s dump to a file, checksum verified'
            cand verify 'Restore a backup where nobody sees it and compare its row counts with the manifest'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;backup;list'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --public 'The backups of the database''s `public` schema (`backup --public`)'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;backup;get'= {
            cand --to 'Where to write the dump: a file, or a folder for `<ID>.dump`'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --public 'A backup of the database''s `public` schema: then only ID is given'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;backup;verify'= {
            cand --sample 'With --all: only N platforms picked at random (the monthly check)'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --latest 'The latest backup (the default)'
            cand --all 'The latest backup of every provisioned platform (or of a sample, with --sample)'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;backup;help'= {
            cand list 'List a platform''s backups: time, age, size, checksum, migration version'
            cand get 'Download one backup''s dump to a file, checksum verified'
            cand verify 'Restore a backup where nobody sees it and compare its row counts with the manifest'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;backup;help;list'= {
        }
        &'tenantctl;backup;help;get'= {
        }
        &'tenantctl;backup;help;verify'= {
        }
        &'tenantctl;backup;help;help'= {
        }
        &'tenantctl;restore'= {
            cand --backup 'The backup to restore (`tenantctl backup list NAME` shows them)'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --latest 'The newest backup (the default)'
            cand --keep-old 'Keep the replaced schema under a new name (printed) instead of dropping it'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;cleanup'= {
            cand --keep-daily 'Days with backups to keep the newest of [config: backup.keep_daily] [default: 7]'
            cand --keep-weekly 'ISO weeks to keep the newest of [config: backup.keep_weekly] [default: 4]'
            cand --keep-monthly 'Months to keep the newest of [config: backup.keep_monthly] [default: 12]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --all 'Every platform with a schema, and the backups of `public`'
            cand --dry-run 'Print every backup with keep or delete and the reason; delete nothing'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;config'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand show 'Print every setting, its effective value (passwords masked) and its source'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;config;show'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;config;help'= {
            cand show 'Print every setting, its effective value (passwords masked) and its source'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;config;help;show'= {
        }
        &'tenantctl;config;help;help'= {
        }
        &'tenantctl;report'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand query 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns'
            cand sizes 'Schema size per platform (tables, TOAST and indexes), table count and row estimate'
            cand provisioning 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors'
            cand backups 'Age of each platform''s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes'
            cand history 'Provision attempts between two dates, as CSV for analysis'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;report;query'= {
            cand --sql 'The query: one SELECT, VALUES, TABLE or WITH … SELECT, with table names unqualified (each tenant''s schema is alone on the search_path)'
            cand --file 'Read the query from a file (`-`: standard input)'
            cand --tenant 'Only this platform (name or id); repeat for more'
            cand --exclude 'Leave this platform out (name or id); repeat for more'
            cand -j 'Tenant schemas queried at once [env: TENANTCTL_REPORT_JOBS] [config: report.jobs] [default: 4]'
            cand --jobs 'Tenant schemas queried at once [env: TENANTCTL_REPORT_JOBS] [config: report.jobs] [default: 4]'
            cand --timeout 'statement_timeout of each tenant''s query, like 30s or 2m; 0 for none [env: TENANTCTL_REPORT_TIMEOUT] [config: report.timeout] [default: 30s]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --aggregate 'Sum the numeric columns across tenants, grouped by the other columns, with a `tenants` column counting the tenants in each group'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;report;sizes'= {
            cand --sort 'Order of the rows'
            cand --limit 'Only the first N rows'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;report;provisioning'= {
            cand --since 'The window to report on, like 30d or 12h'
            cand --by 'Per day over the window (failures, average provision time, and a trend line)'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;report;backups'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --stale 'Only platforms whose backup is stale or critical'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;report;history'= {
            cand --from 'First day (YYYY-MM-DD, UTC) or time (RFC 3339) [default: 30 days ago]'
            cand --to 'Last day, included (YYYY-MM-DD), or an exclusive RFC 3339 time [default: now]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;report;help'= {
            cand query 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns'
            cand sizes 'Schema size per platform (tables, TOAST and indexes), table count and row estimate'
            cand provisioning 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors'
            cand backups 'Age of each platform''s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes'
            cand history 'Provision attempts between two dates, as CSV for analysis'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;report;help;query'= {
        }
        &'tenantctl;report;help;sizes'= {
        }
        &'tenantctl;report;help;provisioning'= {
        }
        &'tenantctl;report;help;backups'= {
        }
        &'tenantctl;report;help;history'= {
        }
        &'tenantctl;report;help;help'= {
        }
        &'tenantctl;status'= {
            cand --format 'Output format [default: from --output]'
            cand --write 'Write the result to FILE atomically (a temporary file renamed into place), as the node_exporter textfile collector needs, instead of to stdout'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --check 'One summary line and the monitoring-plugin exit status (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), judged against the status.* thresholds in the configuration'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;serve'= {
            cand --listen 'Address to listen on, like 127.0.0.1:8080 (port 0: any free port; the address is printed) [env: TENANTCTL_SERVE_LISTEN] [config: serve.listen] [default: 127.0.0.1:8080]'
            cand --bench-fixed-schema 'Benchmark only: also serve /_bench/fixed/api/* from SCHEMA with no resolution and no per-request schema switch (the floor of scripts/bench-serve)'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;completions'= {
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;generate'= {
            cand --out-dir 'The repository root to write completions/, man/ and docs/configuration.md under'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --no-config 'Read no configuration file'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -q 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand --quiet 'Less log detail on stderr (-q errors only, -qq nothing)'
            cand -y 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand --yes 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tenantctl;help'= {
            cand init 'Set up: apply the registry migrations, create and provision the host platform'
            cand platform 'Create, list, show and change platforms'
            cand provision 'Provision a platform''s schema now (create, migrate, seed), waiting for the outcome; `provision pool` keeps the warm pool of spare schemas'
            cand worker 'Run provisioning jobs from the queue (until SIGTERM, or with --once until it is empty)'
            cand migrate 'Apply registry migrations, then tenant migrations across every tenant schema'
            cand migrate-host-to-schema 'Move the host platform''s legacy data from public into its schema (pre-flight checks, CONFIRM=yes, one verified transaction)'
            cand backup 'Back up tenant schemas (pg_dump, to a folder or S3); list, fetch and verify backups'
            cand restore 'Replace a platform''s schema with one of its backups, atomically'
            cand cleanup 'Delete the backups the retention rule does not keep (7 daily, 4 weekly, 12 monthly)'
            cand config 'Show the effective configuration'
            cand report 'Ask every tenant schema a read-only question, and the built-in reports (sizes, provisioning, backups, history)'
            cand status 'The fleet on one screen; `--check` for monitoring, `--format prometheus` for metrics'
            cand serve 'Serve HTTP: each request reaches its tenant''s schema, by Host header'
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand generate 'Write the generated completions, man pages and configuration reference'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tenantctl;help;init'= {
        }
        &'tenantctl;help;platform'= {
            cand create 'Register a new platform (its schema name is generated unless --schema is given)'
            cand list 'List platforms with their address, schema, status, last backup and size'
            cand show 'Show one platform in full, with its domain history'
            cand set-domain 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
            cand retry 'Queue the provisioning of failed or stuck platforms again'
            cand delete 'Delete a platform: drop its schema and its registry row in one transaction'
            cand maintenance 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out'
            cand verify-domain 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified'
        }
        &'tenantctl;help;platform;create'= {
        }
        &'tenantctl;help;platform;list'= {
        }
        &'tenantctl;help;platform;show'= {
        }
        &'tenantctl;help;platform;set-domain'= {
        }
        &'tenantctl;help;platform;retry'= {
        }
        &'tenantctl;help;platform;delete'= {
        }
        &'tenantctl;help;platform;maintenance'= {
        }
        &'tenantctl;help;platform;verify-domain'= {
        }
        &'tenantctl;help;provision'= {
            cand pool 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool'
        }
        &'tenantctl;help;provision;pool'= {
        }
        &'tenantctl;help;worker'= {
        }
        &'tenantctl;help;migrate'= {
            cand status 'Show each tenant''s applied version, pending count, drift and last error'
            cand rollback 'Run down migrations until the tenants are at VERSION (asks for confirmation)'
            cand verify 'Compare each tenant schema''s structure with a reference built from the migration set'
        }
        &'tenantctl;help;migrate;status'= {
        }
        &'tenantctl;help;migrate;rollback'= {
        }
        &'tenantctl;help;migrate;verify'= {
        }
        &'tenantctl;help;migrate-host-to-schema'= {
        }
        &'tenantctl;help;backup'= {
            cand list 'List a platform''s backups: time, age, size, checksum, migration version'
            cand get 'Download one backup''s dump to a file, checksum verified'
            cand verify 'Restore a backup where nobody sees it and compare its row counts with the manifest'
        }
        &'tenantctl;help;backup;list'= {
        }
        &'tenantctl;help;backup;get'= {
        }
        &'tenantctl;help;backup;verify'= {
        }
        &'tenantctl;help;restore'= {
        }
        &'tenantctl;help;cleanup'= {
        }
        &'tenantctl;help;config'= {
            cand show 'Print every setting, its effective value (passwords masked) and its source'
        }
        &'tenantctl;help;config;show'= {
        }
        &'tenantctl;help;report'= {
            cand query 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns'
            cand sizes 'Schema size per platform (tables, TOAST and indexes), table count and row estimate'
            cand provisioning 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors'
            cand backups 'Age of each platform''s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes'
            cand history 'Provision attempts between two dates, as CSV for analysis'
        }
        &'tenantctl;help;report;query'= {
        }
        &'tenantctl;help;report;sizes'= {
        }
        &'tenantctl;help;report;provisioning'= {
        }
        &'tenantctl;help;report;backups'= {
        }
        &'tenantctl;help;report;history'= {
        }
        &'tenantctl;help;status'= {
        }
        &'tenantctl;help;serve'= {
        }
        &'tenantctl;help;completions'= {
        }
        &'tenantctl;help;generate'= {
        }
        &'tenantctl;help;help'= {
        }
    ]
    $completions[$command]
}
