using System;
using System.Collections.Generic;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks the whole Azure DevOps integration, one result object per check: application, client secret, connection, token refresh, SSH key, its registration and expiry, and clone access.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PfaAzureDevOpsIntegration")]
    [OutputType(typeof(PfaIntegrationCheck))]
    public sealed class TestPfaAzureDevOpsIntegrationCommand : AzDevOpsSshKeyCmdlet
    {
        public const int SecretWarningDays = 14;
        public const int KeyWarningDays = 30;

        /// <summary>A key this close to its expiry fails the check: a daily rotation should have replaced it by now.</summary>
        public const int KeyFailDays = 7;

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RepositoryUrlCompleter))]
        public string[]? RepositoryUrl { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HostKeyFingerprint { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsPath { get; set; }

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
                Core.SignIn.ConnectionService.FindRegistration(out Core.Registration.AppRegistration found);
                registration = found;
                Emit("AppRegistered", PfaCheckResult.Pass, $"Application {found.ClientId} ({found.Provider}) is registered for {found.InstanceUrl}.");
            }
            catch (Core.PfaException ex)
            {
                Emit("AppRegistered", PfaCheckResult.Fail, ex.Message, errorId: ex.ErrorId);
            }

            // 3-4 first (not shown yet): the token refresh is the one place the service checks the client secret.
            Step("Checking your connection and refreshing its token", 2);
            var connections = new Core.SignIn.ConnectionService();
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

            bool tokenWorks = false;
            Core.Connection.AccessTokenResult? refreshed = null;
            Core.PfaException? refreshError = null;
            if (connection != null)
            {
                try
                {
                    refreshed = RunOffPipeline(cancel => connections.GetAccessTokenAsync(true, message => OnPipeline(() => WriteVerbose(message)), cancel));
                    tokenWorks = true;
                }
                catch (Core.PfaException ex)
                {
                    refreshError = ex;
                }
            }

            // Whether this refresh went through the registered application's secret (Azure DevOps OAuth, same client).
            bool secretUsed = registration != null && registration.ClientSecretName != null && connection != null
                && connection.Provider == Core.Registration.IdentityProvider.AzureDevOps && connection.ClientId == registration.ClientId;
            bool secretRefused = secretUsed && refreshError != null && (refreshError.ErrorId.StartsWith("OAuthClientSecret", StringComparison.Ordinal) || refreshError.ErrorId == "OAuthInvalidClient");
            string verified = secretUsed && tokenWorks
                ? " Azure DevOps accepted it just now (token refresh)."
                : " Checked by its recorded date only: not verified with Azure DevOps (that needs a connection through this application).";

            if (registration is null)
            {
                Emit("ClientSecret", PfaCheckResult.Fail, "No application is registered, so there is no client secret to check. An administrator runs Register-PfaAzureDevOpsApp.");
            }
            else if (registration.ClientSecretName is null)
            {
                Emit("ClientSecret", PfaCheckResult.Pass, "The application is a public client; it has no client secret.");
            }
            else if (secretRefused)
            {
                Emit("ClientSecret", PfaCheckResult.Fail, "Azure DevOps refused the stored client secret just now (see TokenRefreshable). The administrator stores the current Client Secret with Set-PfaAzureDevOpsApp -ClientSecret -SecretExpiresOn.", errorId: refreshError!.ErrorId);
            }
            else if (registration.SecretExpiresOn is null)
            {
                Emit("ClientSecret", PfaCheckResult.Warn, "The client secret's expiry date is not recorded, so nobody will be warned before it expires. The administrator records it with Set-PfaAzureDevOpsApp -SecretExpiresOn." + verified);
            }
            else
            {
                double days = (registration.SecretExpiresOn.Value - now).TotalDays;
                if (days <= 0)
                {
                    Emit("ClientSecret", PfaCheckResult.Fail, $"The client secret expired on {UserMessages.Date(registration.SecretExpiresOn.Value)}: tokens can no longer be refreshed. The administrator makes a new secret for the application in Azure DevOps and stores it with Set-PfaAzureDevOpsApp -ClientSecret -SecretExpiresOn.");
                }
                else if (days < SecretWarningDays)
                {
                    Emit("ClientSecret", PfaCheckResult.Warn, $"The client secret expires in {Math.Floor(days)} day(s), on {UserMessages.Date(registration.SecretExpiresOn.Value)}. The administrator should make a new one now and store it with Set-PfaAzureDevOpsApp -ClientSecret -SecretExpiresOn." + verified);
                }
                else
                {
                    Emit("ClientSecret", PfaCheckResult.Pass, $"The client secret is valid for {Math.Floor(days)} more days (to {UserMessages.Date(registration.SecretExpiresOn.Value)})." + verified);
                }
            }

            // 3-4. The user's connection and its refresh.
            if (connectionError != null)
            {
                Emit("UserConnected", PfaCheckResult.Fail, connectionError.Message, errorId: connectionError.ErrorId);
            }

            if (connection is null)
            {
                Emit("UserConnected", PfaCheckResult.Fail, "You have not connected Azure DevOps in this account. Run Connect-PfaAzureDevOps.");
                Emit("TokenRefreshable", PfaCheckResult.Fail, "Not connected, so there is no token to refresh. Run Connect-PfaAzureDevOps.");
            }
            else
            {
                Emit("UserConnected", PfaCheckResult.Pass, $"Connected as {connection.UserDisplayName ?? connection.UserId}{(connection.Organization != null ? " to " + connection.Organization : string.Empty)} since {UserMessages.Date(connection.ConnectedOn)}.");
                if (refreshed != null)
                {
                    Emit("TokenRefreshable", PfaCheckResult.Pass, $"The refresh token works; the new access token is valid until {UserMessages.Time(refreshed.ExpiresOn)}.");
                }
                else
                {
                    Emit("TokenRefreshable", PfaCheckResult.Fail, refreshError!.Message, errorId: refreshError.ErrorId);
                }
            }

            // 5. The local SSH key.
            Step("Checking your SSH key", 4);
            Core.Ssh.StoredSshKey? local = null;
            try
            {
                local = new Core.Ssh.SshKeyStore().Get();
                if (local is null)
                {
                    Emit("SshKeyPresent", PfaCheckResult.Fail, "You have no SSH key on this machine. Run New-PfaSshKey, then Get-PfaSshPublicKey | Add-AzDevOpsSshKey.");
                }
                else if (local.Type != Core.Ssh.SshKeyType.Rsa)
                {
                    Emit("SshKeyPresent", PfaCheckResult.Fail, $"Your SSH key is {local.Type} ({local.Sha256Fingerprint}); Azure DevOps accepts only RSA keys. Run New-PfaSshKey -KeyType Rsa -Force, then add it with Add-AzDevOpsSshKey.");
                }
                else
                {
                    Emit("SshKeyPresent", PfaCheckResult.Pass, $"SSH key RSA {local.Bits} MD5:{local.Md5Fingerprint} ({local.Comment}).");
                }
            }
            catch (Core.PfaException ex)
            {
                Emit("SshKeyPresent", PfaCheckResult.Fail, ex.Message, errorId: ex.ErrorId);
            }

            // 6. The key in Azure DevOps.
            Step("Looking for your SSH key in Azure DevOps", 5);
            if (local is null)
            {
                Emit("SshKeyRegistered", PfaCheckResult.Fail, "There is no local SSH key to look for in Azure DevOps. Run New-PfaSshKey, then Add-AzDevOpsSshKey.");
            }
            else if (connection is null && PersonalAccessToken is null)
            {
                Emit("SshKeyRegistered", PfaCheckResult.Fail, "Not connected, so Azure DevOps cannot be asked for your keys. Run Connect-PfaAzureDevOps (or give -PersonalAccessToken).");
            }
            else
            {
                if ((Organization is null || Organization.Length == 0) && (OrganizationUrl is null || OrganizationUrl.Length == 0))
                {
                    // The repository URLs name the organizations whose keys matter for cloning them.
                    var named = new System.Collections.Generic.List<string>();
                    foreach (string url in RepositoryUrl ?? Array.Empty<string>())
                    {
                        if (Core.Git.GitSshUrl.TryParse(url, out Core.Git.GitSshUrl? parsed) && parsed!.AzureDevOpsOrganization is string name
                            && !named.Exists(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
                        {
                            named.Add(name);
                            WriteVerbose($"Looking for the key in {name}, the organization of {url}.");
                        }
                    }

                    if (named.Count > 0)
                    {
                        Organization = named.ToArray();
                    }
                }

                CheckRegistration(local, now, tokenWorks);
            }

            // 7. Clone access.
            Step("Checking clone access over SSH", 6);
            foreach (string url in RepositoryUrl ?? Array.Empty<string>())
            {
                CheckClone(url);
            }

            WriteProgress(new ProgressRecord(3, "Checking the Azure DevOps integration", "Done") { RecordType = ProgressRecordType.Completed });
        }

        private void CheckRegistration(Core.Ssh.StoredSshKey local, DateTimeOffset now, bool tokenWorks)
        {
            string hint = tokenWorks || PersonalAccessToken != null ? string.Empty : " (the access token could not be refreshed; see TokenRefreshable)";
            System.Collections.Generic.List<KeyContext> contexts;
            try
            {
                contexts = OpenContexts();
            }
            catch (Core.PfaException ex)
            {
                Emit("SshKeyRegistered", PfaCheckResult.Fail, ex.Message + hint, null, ex.ErrorId);
                return;
            }

            foreach (KeyContext context in contexts)
            {
                CheckRegistration(context, local, now, hint);
            }
        }

        private void CheckRegistration(KeyContext context, Core.Ssh.StoredSshKey local, DateTimeOffset now, string hint)
        {
            string organization = context.Endpoints.Organization;
            try
            {
                var keys = RunOffPipeline(cancel => context.Service.ListAsync(context.Endpoints, context.Credential, cancel));
                PfaAzDevOpsSshKey? match = null;
                foreach (Core.AzureDevOps.AzureDevOpsSshKey key in keys)
                {
                    PfaAzDevOpsSshKey output = ToOutput(key, local, now);
                    if (output.IsLocalKey && (match is null || (output.ValidTo ?? DateTimeOffset.MaxValue) > (match.ValidTo ?? DateTimeOffset.MaxValue)))
                    {
                        match = output;
                    }
                }

                string rotate = $"Replace it without downtime: Update-PfaSshKey -Organization {organization} (a scheduled task can run Update-PfaSshKey -ExpiringWithinDays {KeyWarningDays} daily).";
                if (match is null)
                {
                    Emit("SshKeyRegistered", PfaCheckResult.Fail, $"Your SSH key MD5:{local.Md5Fingerprint} is not registered in {organization}. Run Get-PfaSshPublicKey | Add-AzDevOpsSshKey -Organization {organization}.", organization);
                }
                else if (!match.IsValid || (match.DaysLeft ?? 1) < 0)
                {
                    Emit("SshKeyRegistered", PfaCheckResult.Fail, $"Your SSH key '{match.Description}' in {organization} expired on {match.ValidTo:yyyy-MM-dd}; Azure DevOps refuses it. Make a new key and register it: Update-PfaSshKey -Organization {organization}.", organization, Core.AzureDevOps.SshKeyErrorIds.Expired);
                }
                else if (match.DaysLeft < KeyFailDays)
                {
                    Emit("SshKeyRegistered", PfaCheckResult.Fail, $"Your SSH key '{match.Description}' in {organization} expires in {match.DaysLeft} day(s), on {match.ValidTo:yyyy-MM-dd}; clones stop then. {rotate}", organization, "AzDevOpsSshKeyExpiring");
                }
                else if (match.DaysLeft < KeyWarningDays)
                {
                    Emit("SshKeyRegistered", PfaCheckResult.Warn, $"Your SSH key '{match.Description}' in {organization} expires in {match.DaysLeft} day(s), on {match.ValidTo:yyyy-MM-dd}. {rotate}", organization);
                }
                else
                {
                    Emit("SshKeyRegistered", PfaCheckResult.Pass, $"Your SSH key is registered in {organization} as '{match.Description}', valid for {match.DaysLeft} more days (to {match.ValidTo:yyyy-MM-dd}).", organization);
                }
            }
            catch (Core.PfaException ex)
            {
                Emit("SshKeyRegistered", PfaCheckResult.Fail, ex.Message + hint, organization, ex.ErrorId);
            }
        }

        private void CheckClone(string url)
        {
            try
            {
                Core.Git.GitSshUrl parsed = Core.Ssh.SshRepositoryService.ParseUrl(url);
                string? knownHosts = KnownHostsPath is null ? null : SshModel.ResolveFileSystemPath(this, KnownHostsPath, nameof(KnownHostsPath));
                Core.Git.HostKeyPolicy policy = Core.Ssh.SshRepositoryService.CreatePolicy(HostKeyFingerprint, knownHosts);
                var keys = new Core.Ssh.SshKeyStore();
                keys.GetRequired();
                var service = new Core.Ssh.SshRepositoryService(keys);
                Core.Git.GitAccessResult result = RunWithProgress("Checking clone access over SSH", $"Asking {parsed.Host} for the refs of {parsed.Path}", token => service.TestAccessAsync(parsed, policy, Timeout, token));
                if (result.Success)
                {
                    Emit("CloneAccess", PfaCheckResult.Pass, $"Can clone {url} ({result.Refs.Count} ref(s), default branch {result.DefaultBranch ?? "none"}).", url);
                }
                else
                {
                    Emit("CloneAccess", PfaCheckResult.Fail, result.Message, url, result.ErrorId);
                }
            }
            catch (Core.PfaException ex)
            {
                Emit("CloneAccess", PfaCheckResult.Fail, ex.Message, url, ex.ErrorId);
            }
        }

        /// <summary>Progress: which of the seven checks runs now (the network ones take seconds).</summary>
        private void Step(string what, int done)
        {
            WriteProgress(new ProgressRecord(3, "Checking the Azure DevOps integration", what) { PercentComplete = Math.Min(100, done * 100 / 7) });
        }

        private void Emit(string name, PfaCheckResult result, string message, string? target = null, string? errorId = null)
        {
            WriteObject(new PfaIntegrationCheck { Name = name, Result = result.ToString(), Message = message, Target = target, ErrorId = errorId });
        }
    }
}
