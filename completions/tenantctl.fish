complete --keep-order --exclusive --command tenantctl --arguments "(COMPLETE=fish tenantctl -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
