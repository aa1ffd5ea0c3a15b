using System;
using System.Management.Automation;
using System.Security;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Connects your Azure DevOps account through the instance's registered application: Azure DevOps OAuth or Microsoft Entra ID (browser, device code, access token, service principal, managed identity).</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "PfaAzureDevOps", DefaultParameterSetName = BrowserSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaAzureDevOpsConnection))]
    public sealed partial class ConnectPfaAzureDevOpsCommand : PfaSshHostCmdlet
    {
        private const string BrowserSet = "Browser";
        private const string CallbackSet = "CallbackUri";
        private const string DeviceCodeSet = "DeviceCode";
        private const string AccessTokenSet = "AccessToken";
        private const string ServicePrincipalSecretSet = "ServicePrincipalSecret";
        private const string ServicePrincipalCertificateSet = "ServicePrincipalCertificate";
        private const string ManagedIdentitySet = "ManagedIdentity";

        /// <summary>The organization to check access to and record, such as 'contoso' for https://dev.azure.com/contoso.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(OrganizationCompleter))]
        public string? Organization { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public Uri? OrganizationUrl { get; set; }

        [Parameter]
        public Uri? ProfileUrl { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = CallbackSet)]
        [Alias("RedirectUri")]
        public Uri CallbackUri { get; set; } = null!;

        [Parameter(ParameterSetName = BrowserSet)]
        [ValidateRange(5, 3600)]
        public int TimeoutSeconds { get; set; } = 300;

        [Parameter(ParameterSetName = BrowserSet)]
        public SwitchParameter NoBrowser { get; set; }

        /// <summary>Microsoft Entra ID: sign in with the device code flow (from another device's browser).</summary>
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        [Alias("DeviceCode", "Device")]
        public SwitchParameter UseDeviceCode { get; set; }

        /// <summary>Microsoft Entra ID: an access token you already hold (a pipeline's System.AccessToken).</summary>
        [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
        public SecureString AccessToken { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = ServicePrincipalSecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = ServicePrincipalCertificateSet)]
        public SwitchParameter ServicePrincipal { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ServicePrincipalSecretSet)]
        public SecureString ClientSecret { get; set; } = null!;

        [Parameter(ParameterSetName = ServicePrincipalCertificateSet)]
        [ArgumentCompleter(typeof(CertificateThumbprintCompleter))]
        public string? CertificateThumbprint { get; set; }

        [Parameter(ParameterSetName = ServicePrincipalCertificateSet)]
        public string? CertificatePath { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ManagedIdentitySet)]
        [Alias("ManagedIdentity")]
        public SwitchParameter Identity { get; set; }

        [Parameter(ParameterSetName = ServicePrincipalSecretSet)]
        [Parameter(ParameterSetName = ServicePrincipalCertificateSet)]
        [Parameter(ParameterSetName = ManagedIdentitySet)]
        [Alias("ApplicationId", "AppId")]
        public Guid ClientId { get; set; }

        [Parameter(ParameterSetName = ServicePrincipalSecretSet)]
        [Parameter(ParameterSetName = ServicePrincipalCertificateSet)]
        [Alias("Tenant")]
        [ArgumentCompleter(typeof(TenantCompleter))]
        public string? TenantId { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>After connecting: create your SSH key when you have none and add it to the organization, as gh auth login offers.</summary>
        [Parameter]
        public SwitchParameter AddSshKey { get; set; }

        /// <summary>
        /// After connecting (and -AddSshKey): the repository whose clone access is proven, as Test-PfaAzureDevOpsSshAccess
        /// does; an Azure DevOps SSH URL also names the organization when -Organization is not given. The host key is
        /// pinned as for the SSH cmdlets (-HostKeyFingerprint, -KnownHostsPath; Azure DevOps' own is built in).
        /// </summary>
        [Parameter]
        [Alias("SshUrl")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RepositoryUrlCompleter))]
        public string? RepositoryUrl { get; set; }

        protected override void ProcessRecordCore()
        {
            char[]? accessToken = ParameterSetName == AccessTokenSet ? Secrets.ToChars(AccessToken) : null;
            char[]? clientSecret = ParameterSetName == ServicePrincipalSecretSet ? Secrets.ToChars(ClientSecret) : null;
            try
            {
                Core.SignIn.SignInRequest request = NewRequest(accessToken, clientSecret);
                var service = new Core.SignIn.UserConnection();
                Core.SignIn.SignInResult result = RunOffPipeline(token => new Core.SignIn.SignInService(service).ConnectAsync(request, NewUser(), token));
                if (result.Connection is null)
                {
                    return;
                }

                Core.Connection.ConnectionDocument document = result.Connection;
                WarnIfSecretsUnprotected(document.TokenStorage != Core.Connection.ConnectionDocument.FileStorage);
                if (result.WithoutApplication)
                {
                    WriteVerbose($"Connected to {document.OrganizationUrl} with the given access token; it expires at {document.AccessTokenExpiresOn:u} and is not renewed: connect again with a new token after that.");
                    if (PassThru)
                    {
                        WriteObject(ConnectionModel.ToOutput(document, service, DateTimeOffset.UtcNow));
                    }

                    return;
                }

                if (document.Provider == Core.Registration.IdentityProvider.EntraId)
                {
                    WriteVerbose($"Connected as {document.UserDisplayName} ({document.Flow}, tenant {document.TenantId}).");
                }

                Finish(result, service);
            }
            finally
            {
                Secrets.Clear(accessToken);
                Secrets.Clear(clientSecret);
            }
        }

        /// <summary>The parameters as the engine's sign-in request: the engine picks the provider from it and the registration.</summary>
        private Core.SignIn.SignInRequest NewRequest(char[]? accessToken, char[]? clientSecret)
        {
            var request = new Core.SignIn.SignInRequest
            {
                Options = new Core.Connection.ConnectOptions { Organization = Organization ?? OrganizationFromRepositoryUrl(), OrganizationUrl = OrganizationUrl, ProfileUrl = ProfileUrl },
                NoBrowser = NoBrowser,
                Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
                Preview = IsWhatIf,
                AccessToken = accessToken,
                ClientSecret = clientSecret,
                TenantId = TenantId,
                CertificateThumbprint = CertificateThumbprint,
            };
            bool clientIdGiven = MyInvocation.BoundParameters.ContainsKey(nameof(ClientId));
            switch (ParameterSetName)
            {
                case CallbackSet:
                    request.Method = Core.SignIn.SignInMethod.CallbackUri;
                    request.ReturnedAddress = CallbackUri;
                    break;
                case DeviceCodeSet:
                    request.Method = Core.SignIn.SignInMethod.DeviceCode;
                    break;
                case AccessTokenSet:
                    request.Method = Core.SignIn.SignInMethod.AccessToken;
                    break;
                case ServicePrincipalSecretSet:
                case ServicePrincipalCertificateSet:
                    request.Method = Core.SignIn.SignInMethod.ServicePrincipal;
                    request.ClientId = clientIdGiven ? ClientId : (Guid?)null;
                    if (!string.IsNullOrEmpty(CertificatePath) && string.IsNullOrEmpty(CertificateThumbprint))
                    {
                        request.CertificatePath = SshModel.ResolveFileSystemPath(this, CertificatePath!, "CertificatePath");
                    }
                    else
                    {
                        request.CertificatePath = CertificatePath;
                    }

                    break;
                case ManagedIdentitySet:
                    request.Method = Core.SignIn.SignInMethod.ManagedIdentity;
                    request.ClientId = clientIdGiven ? ClientId : (Guid?)null;
                    break;
                default:
                    request.Method = Core.SignIn.SignInMethod.Browser;
                    break;
            }

            return request;
        }

        /// <summary>
        /// How the engine talks to the user here: lines on the information stream, verbose, warnings, a progress bar while
        /// the browser is awaited, ShouldProcess and the host's ReadLine, each on the pipeline thread.
        /// </summary>
        private Core.SignIn.SignInCallbacks NewUser()
        {
            const string Activity = "Waiting for the browser";
            return new Core.SignIn.SignInCallbacks
            {
                CanPrompt = IsInteractive(),
                OnConfirm = (target, action) => OnPipelineAndWait(() => ShouldProcess(target, action)),
                OnShow = text => OnPipeline(() => ShowText(text)),
                OnVerbose = message => OnPipeline(() => WriteVerbose(message)),
                OnWarning = message => OnPipeline(() => WriteWarning(message)),
                OnReadLine = prompt => OnPipelineAndWait(() =>
                {
                    Host.UI.Write(prompt);
                    return Host.UI.ReadLine();
                }),
                OnWaiting = (elapsed, timeout) => OnPipeline(() => WriteProgress(new ProgressRecord(2, Activity, $"Click Accept in the browser ({(int)elapsed.TotalSeconds} s of {(int)timeout.TotalSeconds} s)")
                {
                    PercentComplete = Math.Min(100, (int)(elapsed.TotalSeconds * 100 / Math.Max(1, timeout.TotalSeconds))),
                    SecondsRemaining = Math.Max(0, (int)(timeout.TotalSeconds - elapsed.TotalSeconds)),
                })),
                OnWaitingDone = () => OnPipeline(() => WriteProgress(new ProgressRecord(2, Activity, "Done") { RecordType = ProgressRecordType.Completed })),
            };
        }

        /// <summary>Runs a question on the pipeline thread and waits for its answer (Ctrl+C stops the wait).</summary>
        private T OnPipelineAndWait<T>(Func<T> question)
        {
            var answer = new System.Threading.Tasks.TaskCompletionSource<T>(System.Threading.Tasks.TaskCreationOptions.RunContinuationsAsynchronously);
            OnPipeline(() =>
            {
                try
                {
                    answer.SetResult(question());
                }
                catch (Exception ex)
                {
                    answer.SetException(ex);
                }
            });
            answer.Task.Wait(StopToken);
            return answer.Task.GetAwaiter().GetResult();
        }

        /// <summary>
        /// After sign-in (the engine settled the organization, or left an OrganizationChoiceRequired error for a script):
        /// says who is connected where until when and what to run next, offers the SSH key, and writes the connection with -PassThru.
        /// </summary>
        private void Finish(Core.SignIn.SignInResult result, Core.SignIn.UserConnection service)
        {
            Core.Connection.ConnectionDocument document = result.Connection!;
            bool person = result.IsPerson;
            System.Collections.Generic.List<string>? known = document.KnownOrganizations;
            Core.PfaException? choiceNeeded = result.OrganizationChoiceRequired;
            string who = document.UserEmail != null && document.UserEmail != document.UserDisplayName ? $"{document.UserDisplayName} <{document.UserEmail}>" : document.UserDisplayName ?? document.UserId;
            string where = document.Organization != null
                ? $" to organization {document.Organization}"
                : known != null && known.Count == 0 ? " (you belong to no Azure DevOps organization yet)" : string.Empty;
            UserMessages.Show(this, $"Connected as {who}{where}; the access token is valid until {UserMessages.Time(document.AccessTokenExpiresOn)} and renews itself.");
            if (document.Organization is null && choiceNeeded is null)
            {
                UserMessages.Show(this, known != null && known.Count == 0
                    ? "Next: create or join an organization in Azure DevOps, then run Connect-PfaAzureDevOps -Organization <name>."
                    : "No organization is recorded (your organizations could not be listed): connect with -Organization <name>, or give -Organization to each key cmdlet.");
            }
            else if (choiceNeeded is null)
            {
                bool hasKey = UserMessages.HasLocalKey();
                if (AddSshKey || (!hasKey && person && OfferSshKey(document.Organization!)))
                {
                    if (SetUpSshKey(document, service))
                    {
                        ProveCloneAccess();
                    }
                }
                else if (hasKey && RepositoryUrl != null)
                {
                    ProveCloneAccess();
                }
                else
                {
                    UserMessages.Show(this, hasKey
                        ? "Next: Add-AzDevOpsSshKey adds your SSH key to Azure DevOps."
                        : "Next: New-PfaSshKey creates your SSH key, then Add-AzDevOpsSshKey adds it to Azure DevOps.");
                }
            }
            else if (AddSshKey)
            {
                WriteWarning("-AddSshKey: no SSH key was added, because the organization is not settled (see the error).");
            }

            if (PassThru)
            {
                WriteObject(ConnectionModel.ToOutput(document, service, DateTimeOffset.UtcNow));
            }

            if (choiceNeeded != null)
            {
                WriteError(ErrorMapper.ToErrorRecord(choiceNeeded));
            }
        }

        /// <summary>Through the information stream with the PSHOST tag: shown on the host, and capturable (6>&amp;1, -InformationVariable).</summary>
        private void ShowText(string text) =>
            WriteInformation(new HostInformationMessage { Message = text, NoNewLine = false }, new[] { "PSHOST" });
    }
}
