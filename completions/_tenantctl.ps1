
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tenantctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tenantctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tenantctl' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up: apply the registry migrations, create and provision the host platform')
            [CompletionResult]::new('platform', 'platform', [CompletionResultType]::ParameterValue, 'Create, list, show and change platforms')
            [CompletionResult]::new('provision', 'provision', [CompletionResultType]::ParameterValue, 'Provision a platform''s schema now (create, migrate, seed), waiting for the outcome; `provision pool` keeps the warm pool of spare schemas')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run provisioning jobs from the queue (until SIGTERM, or with --once until it is empty)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply registry migrations, then tenant migrations across every tenant schema')
            [CompletionResult]::new('migrate-host-to-schema', 'migrate-host-to-schema', [CompletionResultType]::ParameterValue, 'Move the host platform''s legacy data from public into its schema (pre-flight checks, CONFIRM=yes, one verified transaction)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up tenant schemas (pg_dump, to a folder or S3); list, fetch and verify backups')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Replace a platform''s schema with one of its backups, atomically')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete the backups the retention rule does not keep (7 daily, 4 weekly, 12 monthly)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective configuration')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Ask every tenant schema a read-only question, and the built-in reports (sizes, provisioning, backups, history)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The fleet on one screen; `--check` for monitoring, `--format prometheus` for metrics')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve HTTP: each request reaches its tenant''s schema, by Host header')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write the generated completions, man pages and configuration reference')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;init' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of the host platform')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Domain of the host platform (the parent of tenants'' subdomains)')
            [CompletionResult]::new('--subdomain', '--subdomain', [CompletionResultType]::ParameterName, 'Subdomain of the host platform (under --domain or `base_domain`)')
            [CompletionResult]::new('--contact-email', '--contact-email', [CompletionResultType]::ParameterName, 'Address for provisioning notifications')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Take every answer from the flags; never prompt (CI, scripts)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Register a new platform (its schema name is generated unless --schema is given)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List platforms with their address, schema, status, last backup and size')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one platform in full, with its domain history')
            [CompletionResult]::new('set-domain', 'set-domain', [CompletionResultType]::ParameterValue, 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Queue the provisioning of failed or stuck platforms again')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a platform: drop its schema and its registry row in one transaction')
            [CompletionResult]::new('maintenance', 'maintenance', [CompletionResultType]::ParameterValue, 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out')
            [CompletionResult]::new('verify-domain', 'verify-domain', [CompletionResultType]::ParameterValue, 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;platform;create' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name, unique regardless of case (1-100 characters, not all digits)')
            [CompletionResult]::new('--subdomain', '--subdomain', [CompletionResultType]::ParameterName, 'Subdomain (one label: a-z, 0-9, single hyphens): served at SUBDOMAIN.DOMAIN, or under the base domain when no --domain is given')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Custom domain, like community.example.org (lower-cased; unicode becomes punycode)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'URL of an external platform')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'Schema name instead of the generated `tenant_<subdomain or name>_<6 hex>`')
            [CompletionResult]::new('--contact-email', '--contact-email', [CompletionResultType]::ParameterName, 'Address for provisioning notifications')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'This is the host platform (at most one); its domain is the base for subdomains')
            [CompletionResult]::new('--external', '--external', [CompletionResultType]::ParameterName, 'Hosted elsewhere: registered with its --url or --domain, no schema')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the queued provisioning has finished (a worker runs it)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform;list' {
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the rows (size: largest first)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only platforms in this provision status')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform;set-domain' {
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'The new domain (the platform is then served at [SUBDOMAIN.]DOMAIN)')
            [CompletionResult]::new('--subdomain', '--subdomain', [CompletionResultType]::ParameterName, 'A subdomain under the new domain; without it the platform is served at DOMAIN itself')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform;retry' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--all-failed', '--all-failed', [CompletionResultType]::ParameterName, 'Every failed platform, and every platform stuck in provisioning longer than `provision.stuck_after`')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the queued jobs have finished (a worker runs them)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform;delete' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform;maintenance' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, shown to users in the 503 answer (with `on`)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform;verify-domain' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;platform;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Register a new platform (its schema name is generated unless --schema is given)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List platforms with their address, schema, status, last backup and size')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one platform in full, with its domain history')
            [CompletionResult]::new('set-domain', 'set-domain', [CompletionResultType]::ParameterValue, 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Queue the provisioning of failed or stuck platforms again')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a platform: drop its schema and its registry row in one transaction')
            [CompletionResult]::new('maintenance', 'maintenance', [CompletionResultType]::ParameterValue, 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out')
            [CompletionResult]::new('verify-domain', 'verify-domain', [CompletionResultType]::ParameterValue, 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;platform;help;create' {
            break
        }
        'tenantctl;platform;help;list' {
            break
        }
        'tenantctl;platform;help;show' {
            break
        }
        'tenantctl;platform;help;set-domain' {
            break
        }
        'tenantctl;platform;help;retry' {
            break
        }
        'tenantctl;platform;help;delete' {
            break
        }
        'tenantctl;platform;help;maintenance' {
            break
        }
        'tenantctl;platform;help;verify-domain' {
            break
        }
        'tenantctl;platform;help;help' {
            break
        }
        'tenantctl;provision' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('pool', 'pool', [CompletionResultType]::ParameterValue, 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;provision;pool' {
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'Spare schemas to keep: missing ones are built, extra ones dropped, old ones migrated [config: provision.pool_size] [default: 0]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;provision;help' {
            [CompletionResult]::new('pool', 'pool', [CompletionResultType]::ParameterValue, 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;provision;help;pool' {
            break
        }
        'tenantctl;provision;help;help' {
            break
        }
        'tenantctl;worker' {
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Jobs provisioned at once [env: TENANTCTL_WORKER_CONCURRENCY] [config: worker.concurrency] [default: 1]')
            [CompletionResult]::new('--pool-size', '--pool-size', [CompletionResultType]::ParameterName, 'Spare schemas to keep in the warm pool [config: provision.pool_size] [default: 0]')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Name of this worker in the job records [default: HOST:PID]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Run the jobs that are ready (and refill the warm pool), then exit (cron, tests)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;migrate' {
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Only these tenants (platform names or ids; repeat the flag or list several)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Skip these tenants (platform names or ids; repeat the flag or list several)')
            [CompletionResult]::new('--tenant-migrations', '--tenant-migrations', [CompletionResultType]::ParameterName, 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'lock_timeout of each tenant''s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Migrate N tenants first (the first N, by id, with something pending) and stop before the rest if any of them fails')
            [CompletionResult]::new('--canary-tenants', '--canary-tenants', [CompletionResultType]::ParameterName, 'Migrate these tenants first and stop before the rest if any of them fails')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--registry-only', '--registry-only', [CompletionResultType]::ParameterName, 'Only the registry migrations (public.platforms and the tenantctl schema)')
            [CompletionResult]::new('--tenants-only', '--tenants-only', [CompletionResultType]::ParameterName, 'Only the tenant migrations (the registry must be migrated already)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would run where; change nothing')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Exit at once (status 5) when another migrate run holds the lock, instead of waiting')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each tenant''s applied version, pending count, drift and last error')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Run down migrations until the tenants are at VERSION (asks for confirmation)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Compare each tenant schema''s structure with a reference built from the migration set')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;migrate;status' {
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Only these tenants (platform names or ids; repeat the flag or list several)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Skip these tenants (platform names or ids; repeat the flag or list several)')
            [CompletionResult]::new('--tenant-migrations', '--tenant-migrations', [CompletionResultType]::ParameterName, 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--behind', '--behind', [CompletionResultType]::ParameterName, 'Only tenants not at the latest version (something pending, or no schema)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;migrate;rollback' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The version to go back to: every applied migration above it is reverted (0: all)')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Only these tenants (platform names or ids; repeat the flag or list several)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Skip these tenants (platform names or ids; repeat the flag or list several)')
            [CompletionResult]::new('--tenant-migrations', '--tenant-migrations', [CompletionResultType]::ParameterName, 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'lock_timeout of each tenant''s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would be reverted where; change nothing')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Exit at once (status 5) when another migrate run holds the lock, instead of waiting')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;migrate;verify' {
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Only these tenants (platform names or ids; repeat the flag or list several)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Skip these tenants (platform names or ids; repeat the flag or list several)')
            [CompletionResult]::new('--tenant-migrations', '--tenant-migrations', [CompletionResultType]::ParameterName, 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'lock_timeout of each tenant''s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;migrate;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each tenant''s applied version, pending count, drift and last error')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Run down migrations until the tenants are at VERSION (asks for confirmation)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Compare each tenant schema''s structure with a reference built from the migration set')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;migrate;help;status' {
            break
        }
        'tenantctl;migrate;help;rollback' {
            break
        }
        'tenantctl;migrate;help;verify' {
            break
        }
        'tenantctl;migrate;help;help' {
            break
        }
        'tenantctl;migrate-host-to-schema' {
            [CompletionResult]::new('--tables', '--tables', [CompletionResultType]::ParameterName, 'Copy only these public tables (comma-separated) [default: every public table but the registry and migration bookkeeping]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run the pre-flight checks and print the plan (tables in dependency order, row counts); change nothing')
            [CompletionResult]::new('--truncate-targets', '--truncate-targets', [CompletionResultType]::ParameterName, 'Empty target tables that already hold rows (the seed rows of a freshly provisioned host schema), inside the copy transaction')
            [CompletionResult]::new('--drop-public', '--drop-public', [CompletionResultType]::ParameterName, 'The later, separate step: re-verify the last copy and drop its public tables (asks again)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;backup' {
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Only platforms whose last backup is older than AGE or missing (e.g. 24h)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'pg_dump processes at once [env: TENANTCTL_BACKUP_JOBS] [config: backup.jobs] [default: 2]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'pg_dump processes at once [env: TENANTCTL_BACKUP_JOBS] [config: backup.jobs] [default: 2]')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Schemas one pg_dump dumps together; 0: automatic [config: backup.batch_size] [default: 0]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Back up every provisioned platform')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'Back up the database''s `public` schema (the registry, and legacy tables before `migrate-host-to-schema`) to `public/<id>.dump`')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a platform''s backups: time, age, size, checksum, migration version')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Download one backup''s dump to a file, checksum verified')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Restore a backup where nobody sees it and compare its row counts with the manifest')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;backup;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'The backups of the database''s `public` schema (`backup --public`)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;backup;get' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where to write the dump: a file, or a folder for `<ID>.dump`')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'A backup of the database''s `public` schema: then only ID is given')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;backup;verify' {
            [CompletionResult]::new('--sample', '--sample', [CompletionResultType]::ParameterName, 'With --all: only N platforms picked at random (the monthly check)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--latest', '--latest', [CompletionResultType]::ParameterName, 'The latest backup (the default)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'The latest backup of every provisioned platform (or of a sample, with --sample)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;backup;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a platform''s backups: time, age, size, checksum, migration version')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Download one backup''s dump to a file, checksum verified')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Restore a backup where nobody sees it and compare its row counts with the manifest')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;backup;help;list' {
            break
        }
        'tenantctl;backup;help;get' {
            break
        }
        'tenantctl;backup;help;verify' {
            break
        }
        'tenantctl;backup;help;help' {
            break
        }
        'tenantctl;restore' {
            [CompletionResult]::new('--backup', '--backup', [CompletionResultType]::ParameterName, 'The backup to restore (`tenantctl backup list NAME` shows them)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--latest', '--latest', [CompletionResultType]::ParameterName, 'The newest backup (the default)')
            [CompletionResult]::new('--keep-old', '--keep-old', [CompletionResultType]::ParameterName, 'Keep the replaced schema under a new name (printed) instead of dropping it')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;cleanup' {
            [CompletionResult]::new('--keep-daily', '--keep-daily', [CompletionResultType]::ParameterName, 'Days with backups to keep the newest of [config: backup.keep_daily] [default: 7]')
            [CompletionResult]::new('--keep-weekly', '--keep-weekly', [CompletionResultType]::ParameterName, 'ISO weeks to keep the newest of [config: backup.keep_weekly] [default: 4]')
            [CompletionResult]::new('--keep-monthly', '--keep-monthly', [CompletionResultType]::ParameterName, 'Months to keep the newest of [config: backup.keep_monthly] [default: 12]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every platform with a schema, and the backups of `public`')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every backup with keep or delete and the reason; delete nothing')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;config' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its effective value (passwords masked) and its source')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;config;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its effective value (passwords masked) and its source')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;config;help;show' {
            break
        }
        'tenantctl;config;help;help' {
            break
        }
        'tenantctl;report' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns')
            [CompletionResult]::new('sizes', 'sizes', [CompletionResultType]::ParameterValue, 'Schema size per platform (tables, TOAST and indexes), table count and row estimate')
            [CompletionResult]::new('provisioning', 'provisioning', [CompletionResultType]::ParameterValue, 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors')
            [CompletionResult]::new('backups', 'backups', [CompletionResultType]::ParameterValue, 'Age of each platform''s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Provision attempts between two dates, as CSV for analysis')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;report;query' {
            [CompletionResult]::new('--sql', '--sql', [CompletionResultType]::ParameterName, 'The query: one SELECT, VALUES, TABLE or WITH … SELECT, with table names unqualified (each tenant''s schema is alone on the search_path)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the query from a file (`-`: standard input)')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Only this platform (name or id); repeat for more')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave this platform out (name or id); repeat for more')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Tenant schemas queried at once [env: TENANTCTL_REPORT_JOBS] [config: report.jobs] [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Tenant schemas queried at once [env: TENANTCTL_REPORT_JOBS] [config: report.jobs] [default: 4]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'statement_timeout of each tenant''s query, like 30s or 2m; 0 for none [env: TENANTCTL_REPORT_TIMEOUT] [config: report.timeout] [default: 30s]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--aggregate', '--aggregate', [CompletionResultType]::ParameterName, 'Sum the numeric columns across tenants, grouped by the other columns, with a `tenants` column counting the tenants in each group')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;report;sizes' {
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the rows')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Only the first N rows')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;report;provisioning' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'The window to report on, like 30d or 12h')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Per day over the window (failures, average provision time, and a trend line)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;report;backups' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Only platforms whose backup is stale or critical')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;report;history' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day (YYYY-MM-DD, UTC) or time (RFC 3339) [default: 30 days ago]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day, included (YYYY-MM-DD), or an exclusive RFC 3339 time [default: now]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;report;help' {
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns')
            [CompletionResult]::new('sizes', 'sizes', [CompletionResultType]::ParameterValue, 'Schema size per platform (tables, TOAST and indexes), table count and row estimate')
            [CompletionResult]::new('provisioning', 'provisioning', [CompletionResultType]::ParameterValue, 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors')
            [CompletionResult]::new('backups', 'backups', [CompletionResultType]::ParameterValue, 'Age of each platform''s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Provision attempts between two dates, as CSV for analysis')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;report;help;query' {
            break
        }
        'tenantctl;report;help;sizes' {
            break
        }
        'tenantctl;report;help;provisioning' {
            break
        }
        'tenantctl;report;help;backups' {
            break
        }
        'tenantctl;report;help;history' {
            break
        }
        'tenantctl;report;help;help' {
            break
        }
        'tenantctl;status' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: from --output]')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Write the result to FILE atomically (a temporary file renamed into place), as the node_exporter textfile collector needs, instead of to stdout')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'One summary line and the monitoring-plugin exit status (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), judged against the status.* thresholds in the configuration')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on, like 127.0.0.1:8080 (port 0: any free port; the address is printed) [env: TENANTCTL_SERVE_LISTEN] [config: serve.listen] [default: 127.0.0.1:8080]')
            [CompletionResult]::new('--bench-fixed-schema', '--bench-fixed-schema', [CompletionResultType]::ParameterName, 'Benchmark only: also serve /_bench/fixed/api/* from SCHEMA with no resolution and no per-request schema switch (the floor of scripts/bench-serve)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;completions' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;generate' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'The repository root to write completions/, man/ and docs/configuration.md under')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no configuration file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q errors only, -qq nothing)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tenantctl;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up: apply the registry migrations, create and provision the host platform')
            [CompletionResult]::new('platform', 'platform', [CompletionResultType]::ParameterValue, 'Create, list, show and change platforms')
            [CompletionResult]::new('provision', 'provision', [CompletionResultType]::ParameterValue, 'Provision a platform''s schema now (create, migrate, seed), waiting for the outcome; `provision pool` keeps the warm pool of spare schemas')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run provisioning jobs from the queue (until SIGTERM, or with --once until it is empty)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply registry migrations, then tenant migrations across every tenant schema')
            [CompletionResult]::new('migrate-host-to-schema', 'migrate-host-to-schema', [CompletionResultType]::ParameterValue, 'Move the host platform''s legacy data from public into its schema (pre-flight checks, CONFIRM=yes, one verified transaction)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up tenant schemas (pg_dump, to a folder or S3); list, fetch and verify backups')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Replace a platform''s schema with one of its backups, atomically')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete the backups the retention rule does not keep (7 daily, 4 weekly, 12 monthly)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective configuration')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Ask every tenant schema a read-only question, and the built-in reports (sizes, provisioning, backups, history)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The fleet on one screen; `--check` for monitoring, `--format prometheus` for metrics')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve HTTP: each request reaches its tenant''s schema, by Host header')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write the generated completions, man pages and configuration reference')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tenantctl;help;init' {
            break
        }
        'tenantctl;help;platform' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Register a new platform (its schema name is generated unless --schema is given)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List platforms with their address, schema, status, last backup and size')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one platform in full, with its domain history')
            [CompletionResult]::new('set-domain', 'set-domain', [CompletionResultType]::ParameterValue, 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Queue the provisioning of failed or stuck platforms again')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a platform: drop its schema and its registry row in one transaction')
            [CompletionResult]::new('maintenance', 'maintenance', [CompletionResultType]::ParameterValue, 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out')
            [CompletionResult]::new('verify-domain', 'verify-domain', [CompletionResultType]::ParameterValue, 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified')
            break
        }
        'tenantctl;help;platform;create' {
            break
        }
        'tenantctl;help;platform;list' {
            break
        }
        'tenantctl;help;platform;show' {
            break
        }
        'tenantctl;help;platform;set-domain' {
            break
        }
        'tenantctl;help;platform;retry' {
            break
        }
        'tenantctl;help;platform;delete' {
            break
        }
        'tenantctl;help;platform;maintenance' {
            break
        }
        'tenantctl;help;platform;verify-domain' {
            break
        }
        'tenantctl;help;provision' {
            [CompletionResult]::new('pool', 'pool', [CompletionResultType]::ParameterValue, 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool')
            break
        }
        'tenantctl;help;provision;pool' {
            break
        }
        'tenantctl;help;worker' {
            break
        }
        'tenantctl;help;migrate' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each tenant''s applied version, pending count, drift and last error')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Run down migrations until the tenants are at VERSION (asks for confirmation)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Compare each tenant schema''s structure with a reference built from the migration set')
            break
        }
        'tenantctl;help;migrate;status' {
            break
        }
        'tenantctl;help;migrate;rollback' {
            break
        }
        'tenantctl;help;migrate;verify' {
            break
        }
        'tenantctl;help;migrate-host-to-schema' {
            break
        }
        'tenantctl;help;backup' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a platform''s backups: time, age, size, checksum, migration version')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Download one backup''s dump to a file, checksum verified')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Restore a backup where nobody sees it and compare its row counts with the manifest')
            break
        }
        'tenantctl;help;backup;list' {
            break
        }
        'tenantctl;help;backup;get' {
            break
        }
        'tenantctl;help;backup;verify' {
            break
        }
        'tenantctl;help;restore' {
            break
        }
        'tenantctl;help;cleanup' {
            break
        }
        'tenantctl;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its effective value (passwords masked) and its source')
            break
        }
        'tenantctl;help;config;show' {
            break
        }
        'tenantctl;help;report' {
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns')
            [CompletionResult]::new('sizes', 'sizes', [CompletionResultType]::ParameterValue, 'Schema size per platform (tables, TOAST and indexes), table count and row estimate')
            [CompletionResult]::new('provisioning', 'provisioning', [CompletionResultType]::ParameterValue, 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors')
            [CompletionResult]::new('backups', 'backups', [CompletionResultType]::ParameterValue, 'Age of each platform''s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Provision attempts between two dates, as CSV for analysis')
            break
        }
        'tenantctl;help;report;query' {
            break
        }
        'tenantctl;help;report;sizes' {
            break
        }
        'tenantctl;help;report;provisioning' {
            break
        }
        'tenantctl;help;report;backups' {
            break
        }
        'tenantctl;help;report;history' {
            break
        }
        'tenantctl;help;status' {
            break
        }
        'tenantctl;help;serve' {
            break
        }
        'tenantctl;help;completions' {
            break
        }
        'tenantctl;help;generate' {
            break
        }
        'tenantctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
