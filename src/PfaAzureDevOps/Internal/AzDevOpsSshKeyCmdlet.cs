using System;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The common parameters and plumbing of the Azure DevOps SSH key cmdlets: which organization, which credential
    /// (the connection's access token, or -PersonalAccessToken), and the calls run off the pipeline thread.
    /// </summary>
    public abstract class AzDevOpsSshKeyCmdlet : PfaCmdlet
    {
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Organization { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? OrganizationUrl { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? VsspsUrl { get; set; }

        [Parameter]
        [ValidateNotNull]
        public SecureString? PersonalAccessToken { get; set; }

        internal KeyContext OpenContext()
        {
            var connections = new Core.Connection.ConnectionService();
            Core.Connection.ConnectionDocument? connection = connections.Get();
            if (connection is null && PersonalAccessToken is null)
            {
                throw Core.Connection.ConnectionService.NotConnected(connections.DocumentPath);
            }

            Core.AzureDevOps.SshKeyEndpoints endpoints = Core.AzureDevOps.SshKeyEndpoints.Resolve(Organization, OrganizationUrl, VsspsUrl, connection);
            var service = new Core.AzureDevOps.SshKeyService(connections.RestClient);
            System.Net.Http.Headers.AuthenticationHeaderValue credential;
            if (PersonalAccessToken != null)
            {
                credential = Core.Rest.AzureDevOpsRestClient.PersonalAccessTokenHeader(ToPlain(PersonalAccessToken));
                service.CredentialDescription = "the personal access token";
                service.UsingPersonalAccessToken = true;
                WriteVerbose($"Using the personal access token for {endpoints.Organization}.");
            }
            else
            {
                Core.Connection.AccessTokenResult token;
                if (!connections.TryGetStoredAccessToken(DateTimeOffset.UtcNow, out Core.Connection.AccessTokenResult? cached))
                {
                    token = RunOffPipeline(cancel => connections.GetAccessTokenAsync(false, message => OnPipeline(() => WriteVerbose(message)), cancel));
                }
                else
                {
                    token = cached!;
                }

                credential = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
                service.CredentialDescription = $"the connection's OAuth access token (scopes: {string.Join(" ", connection!.Scopes)})";
            }

            WriteVerbose($"Organization {endpoints.Organization}: {endpoints.OrganizationUrl} (keys at {endpoints.VsspsUrl}).");
            return new KeyContext(service, endpoints, credential, connection);
        }

        internal static PfaAzDevOpsSshKey ToOutput(Core.AzureDevOps.AzureDevOpsSshKey key, Core.Ssh.StoredSshKey? local, DateTimeOffset now)
        {
            bool isLocal = false;
            if (local != null && key.PublicData != null)
            {
                Core.Ssh.SshPublicKey? parsed = key.TryParse();
                try
                {
                    isLocal = parsed != null && parsed.SameKeyAs(local.ParsePublicKey());
                }
                catch (Core.PfaException)
                {
                    isLocal = false;
                }
            }

            return new PfaAzDevOpsSshKey
            {
                Id = key.AuthorizationId,
                Description = key.DisplayName,
                Organization = key.Organization,
                Md5Fingerprint = key.Md5Fingerprint,
                Sha256Fingerprint = key.Sha256Fingerprint,
                ValidFrom = key.ValidFrom,
                ValidTo = key.ValidTo,
                DaysLeft = key.ValidTo.HasValue ? (int)Math.Floor((key.ValidTo.Value - now).TotalDays) : (int?)null,
                IsValid = key.IsValid,
                IsLocalKey = isLocal,
                AlreadyPresent = key.AlreadyPresent,
                PublicKey = key.PublicData,
            };
        }

        internal static Core.Ssh.StoredSshKey? TryGetLocalKey()
        {
            try
            {
                return new Core.Ssh.SshKeyStore().Get();
            }
            catch (Core.PfaException)
            {
                return null;
            }
        }

        private static string ToPlain(SecureString secure)
        {
            IntPtr pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
            try
            {
                return Marshal.PtrToStringUni(pointer) ?? string.Empty;
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }

    internal sealed class KeyContext
    {
        public KeyContext(Core.AzureDevOps.SshKeyService service, Core.AzureDevOps.SshKeyEndpoints endpoints, System.Net.Http.Headers.AuthenticationHeaderValue credential, Core.Connection.ConnectionDocument? connection)
        {
            Service = service;
            Endpoints = endpoints;
            Credential = credential;
            Connection = connection;
        }

        public Core.AzureDevOps.SshKeyService Service { get; }

        public Core.AzureDevOps.SshKeyEndpoints Endpoints { get; }

        public System.Net.Http.Headers.AuthenticationHeaderValue Credential { get; }

        public Core.Connection.ConnectionDocument? Connection { get; }
    }
}
