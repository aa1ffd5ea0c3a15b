using System;
using System.Collections.Generic;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks the whole Azure DevOps integration, one result object per check: application, client secret, connection, token refresh, SSH key, its registration and expiry, and clone access.</para>
    /// The rules of each check (thresholds, results, what to do) are the engine's (Core.Integration.IntegrationRules); this
    /// cmdlet gathers the facts, with progress and Ctrl+C, and writes the results.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PfaAzureDevOpsIntegration")]
    [OutputType(typeof(PfaIntegrationCheck))]
    public sealed class TestPfaAzureDevOpsIntegrationCommand : AzDevOpsSshHostCmdlet
    {
        private const string Activity = "Checking the Azure DevOps integration";

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RepositoryUrlCompleter))]
        public string[]? RepositoryUrl { get; set; }

        [Parameter]
        [TimeoutTransformation]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        protected override void ProcessRecordCore()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;

            // 1-2. The application and its secret.
            Core.Registration.AppRegistration? registration = null;
            try
            {
                Core.SignIn.UserConnection.FindRegistration(out Core.Registration.AppRegistration found);
                registration = found;
                Emit(Core.Integration.IntegrationRules.Application(found));
            }
            catch (Core.PfaException ex)
            {
                Emit(Core.Integration.IntegrationRules.Failed(Core.Integration.IntegrationRules.AppRegistered, ex));
            }

            // 3-4 first (not shown yet): the token refresh is the one place the service checks the client secret.
            Step("Checking your connection and refreshing its token", 2);
            var connections = new Core.SignIn.UserConnection();
            Core.Connection.ConnectionDocument? connection = null;
            Core.PfaException? connectionError = null;
            try
            {
                connection = connections.Get();
            }
            catch (Core.PfaException ex)
            {
                connectionError = ex;
            }

            Core.Connection.AccessTokenResult? refreshed = null;
            Core.PfaException? refreshError = null;
            if (connection != null)
            {
                try
                {
                    refreshed = RunOffPipeline(cancel => connections.GetAccessTokenAsync(true, message => OnPipeline(() => WriteVerbose(message)), cancel));
                }
                catch (Core.PfaException ex)
                {
                    refreshError = ex;
                }
            }

            bool tokenWorks = refreshed != null;
            Emit(Core.Integration.IntegrationRules.Secret(registration, connection, tokenWorks, refreshError, now));
            foreach (Core.Integration.IntegrationCheck check in Core.Integration.IntegrationRules.Connection(connection, connectionError, refreshed, refreshError))
            {
                Emit(check);
            }

            // 5. The local SSH key.
            Step("Checking your SSH key", 4);
            Core.Ssh.StoredSshKey? local = null;
            try
            {
                local = new Core.Ssh.SshKeyStore().Get();
                Emit(Core.Integration.IntegrationRules.LocalKey(local));
            }
            catch (Core.PfaException ex)
            {
                Emit(Core.Integration.IntegrationRules.Failed(Core.Integration.IntegrationRules.SshKeyPresent, ex));
            }

            // 6. The key in Azure DevOps.
            Step("Looking for your SSH key in Azure DevOps", 5);
            Core.Integration.IntegrationCheck? cannotAsk = Core.Integration.IntegrationRules.CannotAskForKeys(local, connection != null, PersonalAccessToken != null);
            if (cannotAsk != null)
            {
                Emit(cannotAsk);
            }
            else
            {
                if ((Organization is null || Organization.Length == 0) && (OrganizationUrl is null || OrganizationUrl.Length == 0))
                {
                    IReadOnlyList<string> named = Core.Integration.IntegrationRules.OrganizationsOf(RepositoryUrl);
                    foreach (string name in named)
                    {
                        WriteVerbose($"Looking for the key in {name}, an organization of the repository URLs.");
                    }

                    if (named.Count > 0)
                    {
                        Organization = new List<string>(named).ToArray();
                    }
                }

                CheckRegistration(local!, now, Core.Integration.IntegrationRules.RefreshHint(tokenWorks, PersonalAccessToken != null));
            }

            // 7. Clone access.
            Step("Checking clone access over SSH", 6);
            foreach (string url in RepositoryUrl ?? Array.Empty<string>())
            {
                CheckClone(url);
            }

            WriteProgress(new ProgressRecord(3, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        private void CheckRegistration(Core.Ssh.StoredSshKey local, DateTimeOffset now, string hint)
        {
            List<KeyContext> contexts;
            try
            {
                contexts = OpenContexts();
            }
            catch (Core.PfaException ex)
            {
                Emit(Core.Integration.IntegrationRules.Failed(Core.Integration.IntegrationRules.SshKeyRegistered, ex, null, hint));
                return;
            }

            foreach (KeyContext context in contexts)
            {
                string organization = context.Endpoints.Organization;
                try
                {
                    var keys = RunWithProgress("Looking for your SSH key in Azure DevOps", $"Asking {organization} for your SSH keys", cancel => context.Service.ListAsync(context.Endpoints, context.Credential, cancel));
                    Emit(Core.Integration.IntegrationRules.KeyRegistration(organization, keys, local, now));
                }
                catch (Core.PfaException ex)
                {
                    Emit(Core.Integration.IntegrationRules.Failed(Core.Integration.IntegrationRules.SshKeyRegistered, ex, organization, hint));
                }
            }
        }

        private void CheckClone(string url)
        {
            try
            {
                Core.Git.GitSshUrl parsed = Core.Git.GitRepositoryService.ParseUrl(url);
                Core.SshTransport.HostKeyPolicy policy = this.CreateHostKeyPolicy();
                var keys = new Core.Ssh.SshKeyStore();
                keys.GetRequired();
                var service = new Core.Git.GitRepositoryService(keys);
                Core.Git.GitAccessResult result = RunWithProgress("Checking clone access over SSH", $"Asking {parsed.Host} for the refs of {parsed.Path}", token => service.TestAccessAsync(parsed, policy, Timeout, token));
                Emit(Core.Integration.IntegrationRules.Clone(url, result));
            }
            catch (Core.PfaException ex)
            {
                Emit(Core.Integration.IntegrationRules.Failed(Core.Integration.IntegrationRules.CloneAccess, ex, url));
            }
        }

        /// <summary>Progress: which of the seven checks runs now (the network ones take seconds).</summary>
        private void Step(string what, int done)
        {
            WriteProgress(new ProgressRecord(3, Activity, what) { PercentComplete = Math.Min(100, done * 100 / 7) });
        }

        private void Emit(Core.Integration.IntegrationCheck check)
        {
            WriteObject(new PfaIntegrationCheck { Name = check.Name, Result = check.Result.ToString(), Message = check.Message, Target = check.Target, ErrorId = check.ErrorId });
        }
    }
}
