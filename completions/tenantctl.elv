
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
            cand provision 'Provision a platform''s schema now (create, migrate, seed), waiting for the outcome'
            cand migrate 'Apply registry migrations, then tenant migrations across every tenant schema'
            cand config 'Show the effective configuration'
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
        &'tenantctl;platform;help'= {
            cand create 'Register a new platform (its schema name is generated unless --schema is given)'
            cand list 'List platforms with their address, schema, status, last backup and size'
            cand show 'Show one platform in full, with its domain history'
            cand set-domain 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
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
        }
        &'tenantctl;migrate'= {
            cand --tenant-migrations 'Directory of tenant migrations [config: tenant_migrations_dir] [default: the embedded sample set]'
            cand --database-url 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]'
            cand --config 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]'
            cand -o 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --output 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]'
            cand --log-format 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]'
            cand --registry-only 'Only the registry migrations (public.platforms and the tenantctl schema)'
            cand --tenants-only 'Only the tenant migrations'
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
            cand provision 'Provision a platform''s schema now (create, migrate, seed), waiting for the outcome'
            cand migrate 'Apply registry migrations, then tenant migrations across every tenant schema'
            cand config 'Show the effective configuration'
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
        }
        &'tenantctl;help;platform;create'= {
        }
        &'tenantctl;help;platform;list'= {
        }
        &'tenantctl;help;platform;show'= {
        }
        &'tenantctl;help;platform;set-domain'= {
        }
        &'tenantctl;help;provision'= {
        }
        &'tenantctl;help;migrate'= {
        }
        &'tenantctl;help;config'= {
            cand show 'Print every setting, its effective value (passwords masked) and its source'
        }
        &'tenantctl;help;config;show'= {
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
