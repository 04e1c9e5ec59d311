
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
            [CompletionResult]::new('provision', 'provision', [CompletionResultType]::ParameterValue, 'Provision a platform''s schema now (create, migrate, seed), waiting for the outcome')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply registry migrations, then tenant migrations across every tenant schema')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective configuration')
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
        'tenantctl;platform;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Register a new platform (its schema name is generated unless --schema is given)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List platforms with their address, schema, status, last backup and size')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one platform in full, with its domain history')
            [CompletionResult]::new('set-domain', 'set-domain', [CompletionResultType]::ParameterValue, 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days')
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
            break
        }
        'tenantctl;migrate' {
            [CompletionResult]::new('--tenant-migrations', '--tenant-migrations', [CompletionResultType]::ParameterName, 'Directory of tenant migrations [config: tenant_migrations_dir] [default: the embedded sample set]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]')
            [CompletionResult]::new('--registry-only', '--registry-only', [CompletionResultType]::ParameterName, 'Only the registry migrations (public.platforms and the tenantctl schema)')
            [CompletionResult]::new('--tenants-only', '--tenants-only', [CompletionResultType]::ParameterName, 'Only the tenant migrations')
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
            [CompletionResult]::new('provision', 'provision', [CompletionResultType]::ParameterValue, 'Provision a platform''s schema now (create, migrate, seed), waiting for the outcome')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply registry migrations, then tenant migrations across every tenant schema')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective configuration')
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
        'tenantctl;help;provision' {
            break
        }
        'tenantctl;help;migrate' {
            break
        }
        'tenantctl;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its effective value (passwords masked) and its source')
            break
        }
        'tenantctl;help;config;show' {
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
