// One test at a time: the foreign-MSAL tests create and unload AppDomains, and every test shares the one process-wide
// resolver; sequential runs keep what each test sees about loaded assemblies deterministic on Mono.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
