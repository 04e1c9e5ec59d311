# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tenantctl_global_optspecs
    string join \n database-url= config= no-config o/output= v/verbose q/quiet log-format= y/yes h/help V/version
end

function __fish_tenantctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tenantctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tenantctl_using_subcommand
    set -l cmd (__fish_tenantctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tenantctl -n "__fish_tenantctl_needs_command" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "init" -d 'Set up: apply the registry migrations, create and provision the host platform'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "platform" -d 'Create, list, show and change platforms'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "provision" -d 'Provision a platform\'s schema now (create, migrate, seed), waiting for the outcome; `provision pool` keeps the warm pool of spare schemas'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "worker" -d 'Run provisioning jobs from the queue (until SIGTERM, or with --once until it is empty)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "migrate" -d 'Apply registry migrations, then tenant migrations across every tenant schema'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "migrate-host-to-schema" -d 'Move the host platform\'s legacy data from public into its schema (pre-flight checks, CONFIRM=yes, one verified transaction)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "backup" -d 'Back up tenant schemas (pg_dump, to a folder or S3); list, fetch and verify backups'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "restore" -d 'Replace a platform\'s schema with one of its backups, atomically'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "cleanup" -d 'Delete the backups the retention rule does not keep (7 daily, 4 weekly, 12 monthly)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "config" -d 'Show the effective configuration'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "report" -d 'Ask every tenant schema a read-only question, and the built-in reports (sizes, provisioning, backups, history)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "status" -d 'The fleet on one screen; `--check` for monitoring, `--format prometheus` for metrics'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "serve" -d 'Serve HTTP: each request reaches its tenant\'s schema, by Host header'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "generate" -d 'Write the generated completions, man pages and configuration reference'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l name -d 'Name of the host platform' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l domain -d 'Domain of the host platform (the parent of tenants\' subdomains)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l subdomain -d 'Subdomain of the host platform (under --domain or `base_domain`)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l contact-email -d 'Address for provisioning notifications' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l non-interactive -d 'Take every answer from the flags; never prompt (CI, scripts)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "create" -d 'Register a new platform (its schema name is generated unless --schema is given)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "list" -d 'List platforms with their address, schema, status, last backup and size'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "show" -d 'Show one platform in full, with its domain history'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "set-domain" -d 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "retry" -d 'Queue the provisioning of failed or stuck platforms again'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "delete" -d 'Delete a platform: drop its schema and its registry row in one transaction'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "maintenance" -d 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "verify-domain" -d 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain retry delete maintenance verify-domain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l name -d 'Display name, unique regardless of case (1-100 characters, not all digits)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l subdomain -d 'Subdomain (one label: a-z, 0-9, single hyphens): served at SUBDOMAIN.DOMAIN, or under the base domain when no --domain is given' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l domain -d 'Custom domain, like community.example.org (lower-cased; unicode becomes punycode)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l url -d 'URL of an external platform' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l schema -d 'Schema name instead of the generated `tenant_<subdomain or name>_<6 hex>`' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l contact-email -d 'Address for provisioning notifications' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l host -d 'This is the host platform (at most one); its domain is the base for subdomains'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l external -d 'Hosted elsewhere: registered with its --url or --domain, no schema'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l wait -d 'Wait until the queued provisioning has finished (a worker runs it)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l sort -d 'Order of the rows (size: largest first)' -r -f -a "name\t''
status\t''
size\t''
created\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l status -d 'Only platforms in this provision status' -r -f -a "pending\t''
provisioning\t''
completed\t''
failed\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l domain -d 'The new domain (the platform is then served at [SUBDOMAIN.]DOMAIN)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l subdomain -d 'A subdomain under the new domain; without it the platform is served at DOMAIN itself' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -l all-failed -d 'Every failed platform, and every platform stuck in provisioning longer than `provision.stuck_after`'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -l wait -d 'Wait until the queued jobs have finished (a worker runs them)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -l reason -d 'Why, shown to users in the 503 answer (with `on`)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from maintenance" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from verify-domain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "create" -d 'Register a new platform (its schema name is generated unless --schema is given)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "list" -d 'List platforms with their address, schema, status, last backup and size'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one platform in full, with its domain history'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "set-domain" -d 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Queue the provisioning of failed or stuck platforms again'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a platform: drop its schema and its registry row in one transaction'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "maintenance" -d 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "verify-domain" -d 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -a "pool" -d 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and not __fish_seen_subcommand_from pool help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -l size -d 'Spare schemas to keep: missing ones are built, extra ones dropped, old ones migrated [config: provision.pool_size] [default: 0]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from pool" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from help" -f -a "pool" -d 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -l concurrency -d 'Jobs provisioned at once [env: TENANTCTL_WORKER_CONCURRENCY] [config: worker.concurrency] [default: 1]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -l pool-size -d 'Spare schemas to keep in the warm pool [config: provision.pool_size] [default: 0]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -l id -d 'Name of this worker in the job records [default: HOST:PID]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -l once -d 'Run the jobs that are ready (and refill the warm pool), then exit (cron, tests)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand worker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l tenant -d 'Only these tenants (platform names or ids; repeat the flag or list several)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l exclude -d 'Skip these tenants (platform names or ids; repeat the flag or list several)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l tenant-migrations -d 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -s j -l jobs -d 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l lock-timeout -d 'lock_timeout of each tenant\'s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l canary -d 'Migrate N tenants first (the first N, by id, with something pending) and stop before the rest if any of them fails' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l canary-tenants -d 'Migrate these tenants first and stop before the rest if any of them fails' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l registry-only -d 'Only the registry migrations (public.platforms and the tenantctl schema)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l tenants-only -d 'Only the tenant migrations (the registry must be migrated already)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l dry-run -d 'Say what would run where; change nothing'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l no-wait -d 'Exit at once (status 5) when another migrate run holds the lock, instead of waiting'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -f -a "status" -d 'Show each tenant\'s applied version, pending count, drift and last error'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -f -a "rollback" -d 'Run down migrations until the tenants are at VERSION (asks for confirmation)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -f -a "verify" -d 'Compare each tenant schema\'s structure with a reference built from the migration set'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and not __fish_seen_subcommand_from status rollback verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l tenant -d 'Only these tenants (platform names or ids; repeat the flag or list several)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l exclude -d 'Skip these tenants (platform names or ids; repeat the flag or list several)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l tenant-migrations -d 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l behind -d 'Only tenants not at the latest version (something pending, or no schema)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l to -d 'The version to go back to: every applied migration above it is reverted (0: all)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l tenant -d 'Only these tenants (platform names or ids; repeat the flag or list several)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l exclude -d 'Skip these tenants (platform names or ids; repeat the flag or list several)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l tenant-migrations -d 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -s j -l jobs -d 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l lock-timeout -d 'lock_timeout of each tenant\'s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l dry-run -d 'Say what would be reverted where; change nothing'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l no-wait -d 'Exit at once (status 5) when another migrate run holds the lock, instead of waiting'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -l tenant -d 'Only these tenants (platform names or ids; repeat the flag or list several)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -l exclude -d 'Skip these tenants (platform names or ids; repeat the flag or list several)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -l tenant-migrations -d 'Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR] [config: tenant_migrations_dir] [default: the embedded sample set]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -s j -l jobs -d 'Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS] [config: parallel_migration_threads] [default: 4]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -l lock-timeout -d 'lock_timeout of each tenant\'s transaction: a table locked longer fails that tenant instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT] [config: lock_timeout] [default: 5s]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show each tenant\'s applied version, pending count, drift and last error'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "rollback" -d 'Run down migrations until the tenants are at VERSION (asks for confirmation)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Compare each tenant schema\'s structure with a reference built from the migration set'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -l tables -d 'Copy only these public tables (comma-separated) [default: every public table but the registry and migration bookkeeping]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -l dry-run -d 'Run the pre-flight checks and print the plan (tables in dependency order, row counts); change nothing'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -l truncate-targets -d 'Empty target tables that already hold rows (the seed rows of a freshly provisioned host schema), inside the copy transaction'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -l drop-public -d 'The later, separate step: re-verify the last copy and drop its public tables (asks again)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate-host-to-schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -l stale -d 'Only platforms whose last backup is older than AGE or missing (e.g. 24h)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -s j -l jobs -d 'pg_dump processes at once [env: TENANTCTL_BACKUP_JOBS] [config: backup.jobs] [default: 2]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -l batch-size -d 'Schemas one pg_dump dumps together; 0: automatic [config: backup.batch_size] [default: 0]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -l all -d 'Back up every provisioned platform'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -l public -d 'Back up the database\'s `public` schema (the registry, and legacy tables before `migrate-host-to-schema`) to `public/<id>.dump`'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -a "list" -d 'List a platform\'s backups: time, age, size, checksum, migration version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -a "get" -d 'Download one backup\'s dump to a file, checksum verified'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -a "verify" -d 'Restore a backup where nobody sees it and compare its row counts with the manifest'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and not __fish_seen_subcommand_from list get verify help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l public -d 'The backups of the database\'s `public` schema (`backup --public`)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -l to -d 'Where to write the dump: a file, or a folder for `<ID>.dump`' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -l public -d 'A backup of the database\'s `public` schema: then only ID is given'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l sample -d 'With --all: only N platforms picked at random (the monthly check)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l latest -d 'The latest backup (the default)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l all -d 'The latest backup of every provisioned platform (or of a sample, with --sample)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "list" -d 'List a platform\'s backups: time, age, size, checksum, migration version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "get" -d 'Download one backup\'s dump to a file, checksum verified'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Restore a backup where nobody sees it and compare its row counts with the manifest'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -l backup -d 'The backup to restore (`tenantctl backup list NAME` shows them)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -l latest -d 'The newest backup (the default)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -l keep-old -d 'Keep the replaced schema under a new name (printed) instead of dropping it'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l keep-daily -d 'Days with backups to keep the newest of [config: backup.keep_daily] [default: 7]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l keep-weekly -d 'ISO weeks to keep the newest of [config: backup.keep_weekly] [default: 4]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l keep-monthly -d 'Months to keep the newest of [config: backup.keep_monthly] [default: 12]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l all -d 'Every platform with a schema, and the backups of `public`'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l dry-run -d 'Print every backup with keep or delete and the reason; delete nothing'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand cleanup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print every setting, its effective value (passwords masked) and its source'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print every setting, its effective value (passwords masked) and its source'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -f -a "query" -d 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -f -a "sizes" -d 'Schema size per platform (tables, TOAST and indexes), table count and row estimate'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -f -a "provisioning" -d 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -f -a "backups" -d 'Age of each platform\'s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -f -a "history" -d 'Provision attempts between two dates, as CSV for analysis'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and not __fish_seen_subcommand_from query sizes provisioning backups history help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l sql -d 'The query: one SELECT, VALUES, TABLE or WITH … SELECT, with table names unqualified (each tenant\'s schema is alone on the search_path)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l file -d 'Read the query from a file (`-`: standard input)' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l tenant -d 'Only this platform (name or id); repeat for more' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l exclude -d 'Leave this platform out (name or id); repeat for more' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -s j -l jobs -d 'Tenant schemas queried at once [env: TENANTCTL_REPORT_JOBS] [config: report.jobs] [default: 4]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l timeout -d 'statement_timeout of each tenant\'s query, like 30s or 2m; 0 for none [env: TENANTCTL_REPORT_TIMEOUT] [config: report.timeout] [default: 30s]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l aggregate -d 'Sum the numeric columns across tenants, grouped by the other columns, with a `tenants` column counting the tenants in each group'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -l sort -d 'Order of the rows' -r -f -a "size\t'Largest first'
name\t'By platform name'
tables\t'Most tables first'
rows\t'Most rows (estimated) first'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -l limit -d 'Only the first N rows' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from sizes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -l since -d 'The window to report on, like 30d or 12h' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -l by -d 'Per day over the window (failures, average provision time, and a trend line)' -r -f -a "day\t'One row per UTC day'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from provisioning" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -l stale -d 'Only platforms whose backup is stale or critical'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from backups" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -l from -d 'First day (YYYY-MM-DD, UTC) or time (RFC 3339) [default: 30 days ago]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -l to -d 'Last day, included (YYYY-MM-DD), or an exclusive RFC 3339 time [default: now]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "query" -d 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "sizes" -d 'Schema size per platform (tables, TOAST and indexes), table count and row estimate'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "provisioning" -d 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "backups" -d 'Age of each platform\'s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "history" -d 'Provision attempts between two dates, as CSV for analysis'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l format -d 'Output format [default: from --output]' -r -f -a "human\t'The screen for people (the same as `--output table`)'
json\t'The snapshot and the verdict as JSON (the same as `--output json`)'
prometheus\t'Prometheus text exposition (version 0.0.4)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l write -d 'Write the result to FILE atomically (a temporary file renamed into place), as the node_exporter textfile collector needs, instead of to stdout' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l check -d 'One summary line and the monitoring-plugin exit status (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), judged against the status.* thresholds in the configuration'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -l listen -d 'Address to listen on, like 127.0.0.1:8080 (port 0: any free port; the address is printed) [env: TENANTCTL_SERVE_LISTEN] [config: serve.listen] [default: 127.0.0.1:8080]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -l bench-fixed-schema -d 'Benchmark only: also serve /_bench/fixed/api/* from SCHEMA with no resolution and no per-request schema switch (the floor of scripts/bench-serve)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l out-dir -d 'The repository root to write completions/, man/ and docs/configuration.md under' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "init" -d 'Set up: apply the registry migrations, create and provision the host platform'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "platform" -d 'Create, list, show and change platforms'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "provision" -d 'Provision a platform\'s schema now (create, migrate, seed), waiting for the outcome; `provision pool` keeps the warm pool of spare schemas'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "worker" -d 'Run provisioning jobs from the queue (until SIGTERM, or with --once until it is empty)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "migrate" -d 'Apply registry migrations, then tenant migrations across every tenant schema'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "migrate-host-to-schema" -d 'Move the host platform\'s legacy data from public into its schema (pre-flight checks, CONFIRM=yes, one verified transaction)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "backup" -d 'Back up tenant schemas (pg_dump, to a folder or S3); list, fetch and verify backups'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "restore" -d 'Replace a platform\'s schema with one of its backups, atomically'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "cleanup" -d 'Delete the backups the retention rule does not keep (7 daily, 4 weekly, 12 monthly)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "config" -d 'Show the effective configuration'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "report" -d 'Ask every tenant schema a read-only question, and the built-in reports (sizes, provisioning, backups, history)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "status" -d 'The fleet on one screen; `--check` for monitoring, `--format prometheus` for metrics'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "serve" -d 'Serve HTTP: each request reaches its tenant\'s schema, by Host header'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "generate" -d 'Write the generated completions, man pages and configuration reference'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision worker migrate migrate-host-to-schema backup restore cleanup config report status serve completions generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "create" -d 'Register a new platform (its schema name is generated unless --schema is given)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "list" -d 'List platforms with their address, schema, status, last backup and size'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "show" -d 'Show one platform in full, with its domain history'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "set-domain" -d 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "retry" -d 'Queue the provisioning of failed or stuck platforms again'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "delete" -d 'Delete a platform: drop its schema and its registry row in one transaction'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "maintenance" -d 'Put a platform in maintenance (serve answers 503, no request touches its schema) or take it out'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "verify-domain" -d 'Check that a platform owns its custom domain (a TXT record or the HTTP challenge serve answers); serve routes a custom domain only once it is verified'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from provision" -f -a "pool" -d 'Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims one by renaming it (ready in milliseconds); the worker refills the pool'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "status" -d 'Show each tenant\'s applied version, pending count, drift and last error'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "rollback" -d 'Run down migrations until the tenants are at VERSION (asks for confirmation)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "verify" -d 'Compare each tenant schema\'s structure with a reference built from the migration set'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "list" -d 'List a platform\'s backups: time, age, size, checksum, migration version'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "get" -d 'Download one backup\'s dump to a file, checksum verified'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "verify" -d 'Restore a backup where nobody sees it and compare its row counts with the manifest'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every setting, its effective value (passwords masked) and its source'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "query" -d 'Run one read-only query in every completed tenant schema (or those chosen); rows gain `platform` and `schema` columns'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "sizes" -d 'Schema size per platform (tables, TOAST and indexes), table count and row estimate'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "provisioning" -d 'Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "backups" -d 'Age of each platform\'s last backup (flagged over status.backup_warn_age and backup_crit_age) and backup sizes'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "history" -d 'Provision attempts between two dates, as CSV for analysis'
