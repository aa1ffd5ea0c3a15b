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
        /// <summary>
        /// One or more organization names. One connection serves every organization the user belongs to (an Azure DevOps
        /// OAuth token is not bound to one, nor is an Entra token within its tenant), so each name is one call.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(OrganizationCompleter))]
        public string[]? Organization { get; set; }

        /// <summary>One or more organization URLs (an Azure DevOps Server collection URL, https://server/tfs/DefaultCollection).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public Uri[]? OrganizationUrl { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? VsspsUrl { get; set; }

        [Parameter]
        [ValidateNotNull]
        public SecureString? PersonalAccessToken { get; set; }

        /// <summary>The first (or only) organization's context.</summary>
        internal KeyContext OpenContext() => OpenContexts()[0];

        /// <summary>
        /// One context per organization asked for (-Organization names, then -OrganizationUrl URLs, duplicates dropped),
        /// or the connection's organization when none is given. The credential is read once and shared.
        /// </summary>
        internal System.Collections.Generic.List<KeyContext> OpenContexts()
        {
            var connections = new Core.SignIn.UserConnection();
            Core.Connection.ConnectionDocument? connection = connections.Get();
            if (connection is null && PersonalAccessToken is null)
            {
                throw Core.SignIn.UserConnection.NotConnected(connections.DocumentPath);
            }

            var endpoints = new System.Collections.Generic.List<Core.AzureDevOps.SshKeyEndpoints>();
            var seen = new System.Collections.Generic.HashSet<string>(StringComparer.OrdinalIgnoreCase);
            void AddTarget(Core.AzureDevOps.SshKeyEndpoints target)
            {
                if (seen.Add(target.OrganizationUrl.AbsoluteUri))
                {
                    endpoints.Add(target);
                }
            }

            int count = (Organization?.Length ?? 0) + (OrganizationUrl?.Length ?? 0);
            if (VsspsUrl != null && count > 1)
            {
                throw new Core.PfaException(
                    Core.Errors.ErrorIds.AzDevOpsVsspsUrlNeedsOneOrganization,
                    Core.PfaErrorKind.InvalidArgument,
                    $"-VsspsUrl names the key service of one organization, but {count} organizations were given. Run the command once per organization with its -VsspsUrl, or leave -VsspsUrl out.",
                    VsspsUrl);
            }

            foreach (string name in Organization ?? Array.Empty<string>())
            {
                AddTarget(Core.AzureDevOps.SshKeyEndpoints.Resolve(name, null, VsspsUrl, connection));
            }

            foreach (Uri url in OrganizationUrl ?? Array.Empty<Uri>())
            {
                AddTarget(Core.AzureDevOps.SshKeyEndpoints.Resolve(null, url, VsspsUrl, connection));
            }

            if (endpoints.Count == 0)
            {
                AddTarget(Core.AzureDevOps.SshKeyEndpoints.Resolve(null, null, VsspsUrl, connection));
            }

            var service = new Core.AzureDevOps.SshKeyService(connections.RestClient);
            System.Net.Http.Headers.AuthenticationHeaderValue credential;
            if (PersonalAccessToken != null)
            {
                credential = Core.Rest.AzureDevOpsRestClient.PersonalAccessTokenHeader(ToPlain(PersonalAccessToken));
                service.CredentialDescription = "the personal access token";
                service.UsingPersonalAccessToken = true;
                WriteVerbose("Using the personal access token.");
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

            var contexts = new System.Collections.Generic.List<KeyContext>();
            foreach (Core.AzureDevOps.SshKeyEndpoints target in endpoints)
            {
                WriteVerbose($"Organization {target.Organization}: {target.OrganizationUrl} (keys at {target.VsspsUrl}).");
                contexts.Add(new KeyContext(service, target, credential, connection));
            }

            return contexts;
        }

        /// <summary>A line for the person at the host (information stream, PSHOST tag): shown, and capturable with 6>&amp;1 or -InformationVariable.</summary>
        internal void Say(string text) =>
            WriteInformation(new HostInformationMessage { Message = text, NoNewLine = false }, new[] { "PSHOST" });

        /// <summary>Runs <paramref name="action"/> for each organization; a failure in one is written as an error and the others go on.</summary>
        internal void ForEachOrganization(System.Collections.Generic.IReadOnlyCollection<KeyContext> contexts, Action<KeyContext> action)
        {
            foreach (KeyContext context in contexts)
            {
                try
                {
                    action(context);
                }
                catch (PipelineStoppedException)
                {
                    throw;
                }
                catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }
                catch (Core.PfaException ex)
                {
                    ErrorRecord record = ErrorMapper.ToErrorRecord(ex);
                    string organization = context.Endpoints.Organization;
                    if (contexts.Count > 1 && ex.Message.IndexOf(organization, StringComparison.OrdinalIgnoreCase) < 0)
                    {
                        // Several organizations: say which one failed when the message does not.
                        record.ErrorDetails = new ErrorDetails($"{organization}: {ex.Message}") { RecommendedAction = ex.RecommendedAction };
                    }

                    WriteError(record);
                }
            }
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
