using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// The user phase after sign-in, in the same command (as gh auth login does): the SSH key offered, made and added,
    /// then the clone-access proof of -RepositoryUrl. Each step stays available on its own (New-PfaSshKey,
    /// Add-AzDevOpsSshKey, Test-PfaAzureDevOpsSshAccess).
    /// </summary>
    public sealed partial class ConnectPfaAzureDevOpsCommand
    {
        /// <summary>Whether this run added the key to Azure DevOps (not already there): the clone check then allows the service a moment.</summary>
        private bool _keyAddedNow;

        /// <summary>The organization an Azure DevOps SSH URL names (v3/{organization}/...), when no organization is given; a bad URL fails before sign-in.</summary>
        private string? OrganizationFromRepositoryUrl()
        {
            if (RepositoryUrl is null || OrganizationUrl != null)
            {
                return null;
            }

            string? organization = Core.Git.GitRepositoryService.ParseUrl(RepositoryUrl).AzureDevOpsOrganization;
            if (organization != null)
            {
                WriteVerbose($"Organization {organization}, from the repository URL.");
            }

            return organization;
        }

        /// <summary>Asks an interactive user with no key whether to make one and add it (the default), as gh auth login does.</summary>
        private bool OfferSshKey(string organization)
        {
            if (!IsInteractive())
            {
                return false;
            }

            var choices = new System.Collections.ObjectModel.Collection<System.Management.Automation.Host.ChoiceDescription>
            {
                new System.Management.Automation.Host.ChoiceDescription("&Yes", $"Create an RSA 4096 SSH key and add it to {organization}."),
                new System.Management.Automation.Host.ChoiceDescription("&No", "Do it later with New-PfaSshKey and Add-AzDevOpsSshKey."),
            };
            return Host.UI.PromptForChoice("You have no SSH key yet", $"Create one and add it to {organization}, so git can clone over SSH?", choices, 0) == 0;
        }

        /// <summary>
        /// The rest of the user phase in the same command: the key (made when missing, RSA 4096), then added to the
        /// connection's organization (already there is fine), each step said in a line. A failure here keeps the connection.
        /// </summary>
        private bool SetUpSshKey(Core.Connection.ConnectionDocument document, Core.SignIn.UserConnection connections)
        {
            try
            {
                var store = new Core.Ssh.SshKeyStore();
                Core.Ssh.StoredSshKey? key = store.Get();
                if (key is null)
                {
                    const string Activity = "Generating an RSA 4096-bit SSH key";
                    key = RunOffPipelineWithTicks(
                        token => store.Create(Core.Ssh.SshKeyType.Rsa, Core.Ssh.SshKeyGenerator.DefaultRsaBits, null, false, DateTimeOffset.UtcNow, token),
                        TimeSpan.FromMilliseconds(200),
                        elapsed => WriteProgress(new ProgressRecord(1, Activity, $"{elapsed.TotalSeconds:0.0} s elapsed (usually 1 to 3 s)")));
                    WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
                    WarnIfSecretsUnprotected(store.Vault.IsProtected);
                    UserMessages.Show(this, $"Created your RSA {key.Bits}-bit SSH key MD5:{key.Md5Fingerprint}, kept in {store.Vault.ProtectionDescription}.");
                }
                else if (key.Type != Core.Ssh.SshKeyType.Rsa)
                {
                    WriteWarning($"Your SSH key is {key.Type}; Azure DevOps accepts only RSA keys, so it was not added. Run New-PfaSshKey -KeyType Rsa -Force, then Add-AzDevOpsSshKey.");
                    return false;
                }

                Core.AzureDevOps.SshKeyEndpoints endpoints = Core.AzureDevOps.SshKeyEndpoints.Resolve(null, null, null, document);
                Core.Connection.AccessTokenResult token = RunOffPipeline(cancel => connections.GetAccessTokenAsync(false, message => OnPipeline(() => WriteVerbose(message)), cancel));
                var service = new Core.AzureDevOps.SshKeyService(connections.RestClient)
                {
                    CredentialDescription = $"the connection's OAuth access token (scopes: {string.Join(" ", document.Scopes)})",
                };
                var request = new Core.AzureDevOps.SshKeyAddRequest(
                    key.ParsePublicKey(),
                    Core.AzureDevOps.SshKeyService.CheckDisplayName(AddAzDevOpsSshKeyCommand.DefaultDescription()),
                    Core.AzureDevOps.SshKeyService.CheckExpiry(null, DateTimeOffset.UtcNow, out _));
                var credential = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
                Core.AzureDevOps.AzureDevOpsSshKey added = RunWithProgress("Adding your SSH key to Azure DevOps", $"Waiting for {endpoints.Organization}", cancel => service.AddAsync(
                    endpoints, credential, request, message => OnPipeline(() => WriteVerbose(message)), cancel));
                _keyAddedNow = !added.AlreadyPresent;
                string until = added.ValidTo.HasValue ? " until " + UserMessages.Date(added.ValidTo.Value) : string.Empty;
                UserMessages.Show(this, added.AlreadyPresent
                    ? $"Your key MD5:{key.Md5Fingerprint} is already in {endpoints.Organization}, valid{until}."
                    : $"Added your key MD5:{key.Md5Fingerprint} to {endpoints.Organization} as '{added.DisplayName}', valid{until}.");
                if (RepositoryUrl is null)
                {
                    UserMessages.Show(this, "Next: Test-PfaAzureDevOpsSshAccess <repository SSH URL> proves you can clone.");
                }

                return true;
            }
            catch (Core.PfaException ex)
            {
                // Connected all the same: say so with the error.
                WriteError(ErrorMapper.ToErrorRecord(ex));
                UserMessages.Show(this, "You are connected; the SSH key step failed (above). Run Add-AzDevOpsSshKey when it is fixed.");
                return false;
            }
        }

        /// <summary>
        /// The last step of the one-command flow with -RepositoryUrl: the clone-access proof of Test-PfaAzureDevOpsSshAccess,
        /// said in a line. A refusal is an error with what to do; the connection and the key are kept.
        /// </summary>
        private void ProveCloneAccess()
        {
            if (RepositoryUrl is null)
            {
                return;
            }

            try
            {
                PfaSshAccessResult result = CheckAccess(RepositoryUrl, TimeSpan.FromSeconds(30), out Core.PfaException? error, keyJustAdded: _keyAddedNow);
                if (error != null)
                {
                    WriteError(ErrorMapper.ToErrorRecord(error));
                    UserMessages.Show(this, $"You are connected and your key is in place; the clone check failed (above). Run Test-PfaAzureDevOpsSshAccess {RepositoryUrl} when it is fixed.");
                    return;
                }

                string branch = result.DefaultBranch is null ? string.Empty : $", default branch {result.DefaultBranch}";
                UserMessages.Show(this, $"You can clone {RepositoryUrl}: {result.Refs.Length} ref(s){branch}, host key {result.HostKeyFingerprint}.");
                UserMessages.Show(this, $"Next: Copy-PfaAzureDevOpsRepository {RepositoryUrl} <folder> clones it.");
            }
            catch (Core.PfaException ex)
            {
                WriteError(ErrorMapper.ToErrorRecord(ex));
            }
        }
    }
}
