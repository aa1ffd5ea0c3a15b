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
    public sealed class ConnectPfaAzureDevOpsCommand : PfaCmdlet
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
        public string? TenantId { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            if (ParameterSetName == AccessTokenSet && !HasEntraRegistration())
            {
                // A token the caller already holds needs no application: only the organization it is for.
                ConnectWithSuppliedToken();
                return;
            }

            Core.Registration.RegistrationService registrationService = Core.Connection.ConnectionService.FindRegistration(out Core.Registration.AppRegistration registration);
            if (registration.Provider == Core.Registration.IdentityProvider.EntraId)
            {
                new EntraConnect(this).Run(registrationService, registration);
                return;
            }

            if (ParameterSetName != BrowserSet && ParameterSetName != CallbackSet)
            {
                throw new Core.PfaException("ProviderNotSupported", Core.PfaErrorKind.InvalidOperation, $"-{ParameterSetName} signs in through Microsoft Entra ID, but the registered application ({registration.ClientId}) is an Azure DevOps OAuth application. Connect without it, or register an Entra ID application (Register-PfaAzureDevOpsApp -Provider EntraId).", registration.ClientId);
            }

            var service = new Core.Connection.ConnectionService();
            var options = new Core.Connection.ConnectOptions { Organization = Organization, OrganizationUrl = OrganizationUrl, ProfileUrl = ProfileUrl };

            // Check the URLs before anything is opened or asked.
            Core.Connection.AzureDevOpsUrls.Organization(Organization, OrganizationUrl, registration.AuthorizationServer);
            Core.Connection.AzureDevOpsUrls.Profile(ProfileUrl, registration.AuthorizationServer);
            WriteVerbose($"Application {registration.ClientId} ({registrationService.Store.Scope}); callback {registration.CallbackUrl}; scopes {string.Join(" ", registration.Scopes)}.");

            string target = $"Azure DevOps connection of {Environment.UserName} ({service.DocumentPath})";
            string action = $"Connect through application {registration.ClientId}{(Organization != null ? " to organization " + Organization : string.Empty)}, replacing any existing connection";

            Core.OAuth.AuthorizationRequest request;
            Uri returned;
            if (ParameterSetName == CallbackSet)
            {
                request = service.LoadPending(registration, now);
                if (!ShouldProcess(target, action))
                {
                    return;
                }

                returned = CallbackUri;
            }
            else
            {
                request = Core.Connection.ConnectionService.Begin(registration);
                bool loopback = request.CanListenOnLoopback;
                bool interactive = IsInteractive();
                if (!loopback && !NoBrowser && !interactive && !IsWhatIf)
                {
                    throw new Core.PfaException(
                        "CallbackAddressPromptUnavailable",
                        Core.PfaErrorKind.InvalidOperation,
                        $"The callback URL '{registration.CallbackUrl}' is not on this machine, so Connect-PfaAzureDevOps would have to ask for the address the browser ends on, and this session is non-interactive. In a script, run Connect-PfaAzureDevOps -NoBrowser to get the sign-in link, open it and click Accept, then run Connect-PfaAzureDevOps -CallbackUri '<the address the browser ended on>'.",
                        registration.CallbackUrl);
                }

                if (loopback && !NoBrowser && !interactive && !IsWhatIf && !Core.Interaction.BrowserLauncher.CanOpen())
                {
                    throw new Core.PfaException(
                        "BrowserUnavailable",
                        Core.PfaErrorKind.ResourceUnavailable,
                        "This non-interactive session has no browser (no desktop and no $env:BROWSER), so nobody could click Accept. Set $env:BROWSER to a command that opens a URL, or run Connect-PfaAzureDevOps -NoBrowser and open the printed link yourself before -TimeoutSeconds ends.",
                        registration.CallbackUrl);
                }

                if (!ShouldProcess(target, action))
                {
                    return;
                }

                if (loopback)
                {
                    using (Core.OAuth.LoopbackListener listener = Core.OAuth.LoopbackListener.Start(request.CallbackUrl))
                    {
                        listener.ExpectedState = request.State;
                        ShowLink(request.AuthorizeUrl);
                        OpenBrowser(request.AuthorizeUrl);
                        WriteVerbose($"Waiting up to {TimeoutSeconds} seconds for the browser to come back to {request.CallbackUrl.GetLeftPart(UriPartial.Path)} (listening on 127.0.0.1:{request.CallbackUrl.Port} only).");
                        TimeSpan timeout = TimeSpan.FromSeconds(TimeoutSeconds);
                        returned = RunOffPipeline(token => listener.WaitAsync(timeout, token));
                    }
                }
                else
                {
                    service.SavePending(request, now);
                    ShowLink(request.AuthorizeUrl);
                    OpenBrowser(request.AuthorizeUrl);
                    if (!interactive)
                    {
                        ShowText($"After clicking Accept, copy the address the browser ended on (it starts with {request.CallbackUrl.GetLeftPart(UriPartial.Path)}) and run: Connect-PfaAzureDevOps -CallbackUri '<that address>' (within {Core.Connection.PendingAuthorization.Lifetime.TotalMinutes:0} minutes).");
                        return;
                    }

                    returned = AskForAddress(request.CallbackUrl);
                }
            }

            Core.Connection.ConnectionDocument document = RunOffPipeline(token => service.CompleteAsync(
                request, returned, registrationService, registration, options, message => OnPipeline(() => WriteVerbose(message)), token));
            WarnIfSecretsUnprotected(document.TokenStorage != Core.Connection.ConnectionDocument.FileStorage, service.Vault.ProtectionDescription);
            WriteVerbose($"Connected as {document.UserDisplayName} <{document.UserEmail}>{(document.Organization != null ? " to " + document.Organization : string.Empty)}; the access token expires at {document.AccessTokenExpiresOn:u}.");
            if (PassThru)
            {
                WriteObject(ConnectionModel.ToOutput(document, service, DateTimeOffset.UtcNow));
            }
        }

        private static bool HasEntraRegistration()
        {
            try
            {
                Core.Connection.ConnectionService.FindRegistration(out Core.Registration.AppRegistration registration);
                return registration.Provider == Core.Registration.IdentityProvider.EntraId;
            }
            catch (Core.PfaException ex) when (ex.ErrorId == "RegistrationNotFound")
            {
                return false;
            }
        }

        private void ConnectWithSuppliedToken()
        {
            var service = new Core.Connection.ConnectionService();
            var options = new Core.Connection.ConnectOptions { Organization = Organization, OrganizationUrl = OrganizationUrl, ProfileUrl = ProfileUrl };
            Uri? organizationUrl = Core.Connection.AzureDevOpsUrls.Organization(Organization, OrganizationUrl, Core.Registration.RegistrationRules.DefaultAzureDevOpsAuthorizationServer);
            if (organizationUrl is null)
            {
                throw new Core.PfaException("OrganizationRequired", Core.PfaErrorKind.InvalidArgument, "No application is registered, so Connect-PfaAzureDevOps -AccessToken needs the organization the token is for: add -Organization <name> (or -OrganizationUrl <url>).", "Organization");
            }

            string target = $"Azure DevOps connection of {Environment.UserName} ({service.DocumentPath})";
            if (!ShouldProcess(target, $"Connect to {organizationUrl.AbsoluteUri.TrimEnd('/')} with the given access token, replacing any existing connection"))
            {
                return;
            }

            char[] secret = Secrets.ToChars(AccessToken);
            Core.Connection.ConnectionDocument document;
            try
            {
                document = RunOffPipeline(token => Core.Connection.EntraConnector.ConnectWithAccessTokenAsync(service, secret, options, message => OnPipeline(() => WriteVerbose(message)), token));
            }
            finally
            {
                Secrets.Clear(secret);
            }

            WarnIfSecretsUnprotected(document.TokenStorage != Core.Connection.ConnectionDocument.FileStorage, service.Vault.ProtectionDescription);
            WriteVerbose($"Connected to {document.OrganizationUrl} with the given access token; it expires at {document.AccessTokenExpiresOn:u} and is not renewed: connect again with a new token after that.");
            if (PassThru)
            {
                WriteObject(ConnectionModel.ToOutput(document, service, DateTimeOffset.UtcNow));
            }
        }

        private void ShowLink(Uri url)
        {
            ShowText("Open this link to sign in to Azure DevOps and click Accept:");
            ShowText(url.AbsoluteUri);
        }

        /// <summary>Through the information stream with the PSHOST tag: shown on the host, and capturable (6>&amp;1, -InformationVariable).</summary>
        private void ShowText(string text) =>
            WriteInformation(new HostInformationMessage { Message = text, NoNewLine = false }, new[] { "PSHOST" });

        private void OpenBrowser(Uri url)
        {
            if (NoBrowser)
            {
                return;
            }

            if (!Core.Interaction.BrowserLauncher.CanOpen())
            {
                WriteWarning("No browser can be opened in this session (no desktop and no $env:BROWSER): open the link above in a browser yourself.");
                return;
            }

            using (System.Diagnostics.Process? started = Core.Interaction.BrowserLauncher.Open(url))
            {
                if (started is null)
                {
                    WriteWarning("The browser could not be started: open the link above in a browser yourself.");
                }
                else
                {
                    WriteVerbose("Opened the sign-in page in the browser.");
                }
            }
        }

        private Uri AskForAddress(Uri callback)
        {
            Host.UI.Write($"Paste the address the browser ended on (it starts with {callback.GetLeftPart(UriPartial.Path)}): ");
            string? line = Host.UI.ReadLine();
            if (string.IsNullOrWhiteSpace(line) || !Uri.TryCreate(line!.Trim(), UriKind.Absolute, out Uri? address))
            {
                throw new Core.PfaException("CallbackUriInvalid", Core.PfaErrorKind.InvalidArgument, $"That is not an address. Run Connect-PfaAzureDevOps again and paste the whole address from the browser's address bar (it starts with {callback.GetLeftPart(UriPartial.Path)}).", callback.GetLeftPart(UriPartial.Path));
            }

            return address;
        }
    
        // Kept in its own type so Azure DevOps OAuth connections never JIT code that touches the Identity types.
        private sealed class EntraConnect
        {
            private readonly ConnectPfaAzureDevOpsCommand _c;

            public EntraConnect(ConnectPfaAzureDevOpsCommand command)
            {
                _c = command;
            }

            public void Run(Core.Registration.RegistrationService registrations, Core.Registration.AppRegistration registration)
            {
                var service = new Core.Connection.ConnectionService();
                var options = new Core.Connection.ConnectOptions { Organization = _c.Organization, OrganizationUrl = _c.OrganizationUrl, ProfileUrl = _c.ProfileUrl };
                Core.Connection.AzureDevOpsUrls.Organization(_c.Organization, _c.OrganizationUrl, registration.AuthorizationServer);
                Action<string> log = message => _c.OnPipeline(() => _c.WriteVerbose(message));
                bool confidential = Core.Connection.EntraConnector.IsConfidential(registration);
                string set = _c.ParameterSetName;
                var request = new Core.Connection.EntraConnectRequest { Options = options, Log = log };
                string target = $"Azure DevOps connection of {Environment.UserName} ({service.DocumentPath})";
                _c.WriteVerbose($"Microsoft Entra ID application {registration.ClientId} ({registrations.Store.Scope}, {(confidential ? "confidential" : "public")} client); authority {Core.Identity.EntraAuthority.For(registration)}; scopes {string.Join(" ", registration.Scopes)}.");
                Core.Connection.ConnectionDocument document;
                char[]? secret = null;
                try
                {
                    switch (set)
                    {
                        case CallbackSet:
                            if (!_c.ShouldProcess(target, "Connect through Microsoft Entra ID (authorization code)"))
                            {
                                return;
                            }

                            document = _c.RunOffPipeline(token => Core.Connection.EntraConnector.CompleteAuthorizationAsync(service, registrations, registration, _c.CallbackUri, options, log, token));
                            break;

                        case DeviceCodeSet:
                            if (confidential)
                            {
                                throw ConfidentialOnly("-UseDeviceCode");
                            }

                            request.Flow = Core.Identity.EntraFlow.DeviceCode;
                            request.DeviceCodePrompt = prompt =>
                            {
                                _c.OnPipeline(() => _c.WriteWarning(prompt.Message));
                                return System.Threading.Tasks.Task.CompletedTask;
                            };
                            if (!_c.ShouldProcess(target, "Connect through Microsoft Entra ID (device code)"))
                            {
                                return;
                            }

                            document = _c.RunOffPipeline(token => Core.Connection.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;

                        case AccessTokenSet:
                            secret = Secrets.ToChars(_c.AccessToken);
                            request.Flow = Core.Identity.EntraFlow.AccessToken;
                            request.AccessToken = secret;
                            if (!_c.ShouldProcess(target, "Connect with the given access token"))
                            {
                                return;
                            }

                            document = _c.RunOffPipeline(token => Core.Connection.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;

                        case ServicePrincipalSecretSet:
                        case ServicePrincipalCertificateSet:
                            request.Flow = Core.Identity.EntraFlow.ServicePrincipal;
                            request.ClientId = _c.MyInvocation.BoundParameters.ContainsKey(nameof(ClientId)) ? _c.ClientId : (Guid?)null;
                            request.TenantId = _c.TenantId;
                            if (set == ServicePrincipalSecretSet)
                            {
                                secret = Secrets.ToChars(_c.ClientSecret);
                                request.ClientSecret = secret;
                            }
                            else if (string.IsNullOrEmpty(_c.CertificateThumbprint) == string.IsNullOrEmpty(_c.CertificatePath))
                            {
                                throw new Core.PfaException("CertificateRequired", Core.PfaErrorKind.InvalidArgument, "A service principal with a certificate needs exactly one of -CertificateThumbprint (CurrentUser\\My store) or -CertificatePath (.pfx, or PEM with its private key).", "CertificatePath");
                            }
                            else
                            {
                                request.CertificateThumbprint = _c.CertificateThumbprint;
                                request.CertificatePath = string.IsNullOrEmpty(_c.CertificatePath) ? null : SshModel.ResolveFileSystemPath(_c, _c.CertificatePath!, "CertificatePath");
                            }

                            if (!_c.ShouldProcess(target, "Connect as a service principal"))
                            {
                                return;
                            }

                            document = _c.RunOffPipeline(token => Core.Connection.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;

                        case ManagedIdentitySet:
                            request.Flow = Core.Identity.EntraFlow.ManagedIdentity;
                            request.ManagedIdentityClientId = _c.MyInvocation.BoundParameters.ContainsKey(nameof(ClientId)) ? _c.ClientId.ToString("D") : null;
                            if (!_c.ShouldProcess(target, "Connect as the managed identity"))
                            {
                                return;
                            }

                            document = _c.RunOffPipeline(token => Core.Connection.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;

                        default:
                            if (confidential)
                            {
                                if (!_c.ShouldProcess(target, "Connect through Microsoft Entra ID (authorization code + PKCE at the instance callback)"))
                                {
                                    return;
                                }

                                Uri url = _c.RunOffPipeline(token => Core.Connection.EntraConnector.BeginAuthorizationAsync(service, registrations, registration, log, token));
                                var callback = new Uri(registration.CallbackUrl);
                                if (callback.Scheme == Uri.UriSchemeHttp && Core.Registration.RegistrationRules.IsLoopback(callback) && !callback.IsDefaultPort)
                                {
                                    // The instance callback is on this machine: receive the browser's redirect here, as for Azure DevOps OAuth.
                                    Uri received;
                                    using (Core.OAuth.LoopbackListener listener = Core.OAuth.LoopbackListener.Start(callback))
                                    {
                                        listener.ExpectedState = Core.OAuth.LoopbackListener.QueryValue(url.Query, "state");
                                        _c.ShowText("Open this link to sign in with your Microsoft Entra ID account:");
                                        _c.ShowText(url.AbsoluteUri);
                                        _c.OpenBrowser(url);
                                        _c.WriteVerbose($"Waiting up to {_c.TimeoutSeconds} seconds for the browser to come back to {callback.GetLeftPart(UriPartial.Path)} (listening on 127.0.0.1:{callback.Port} only).");
                                        TimeSpan timeout = TimeSpan.FromSeconds(_c.TimeoutSeconds);
                                        received = _c.RunOffPipeline(token => listener.WaitAsync(timeout, token));
                                    }

                                    document = _c.RunOffPipeline(token => Core.Connection.EntraConnector.CompleteAuthorizationAsync(service, registrations, registration, received, options, log, token));
                                    break;
                                }

                                _c.ShowText("Open this link to sign in with your Microsoft Entra ID account:");
                                _c.ShowText(url.AbsoluteUri);
                                _c.OpenBrowser(url);
                                if (!_c.IsInteractive())
                                {
                                    _c.ShowText($"After signing in, copy the address the browser ended on (it starts with {new Uri(registration.CallbackUrl).GetLeftPart(UriPartial.Path)}) and run: Connect-PfaAzureDevOps -CallbackUri '<that address>' (within {Core.Connection.PendingAuthorization.Lifetime.TotalMinutes:0} minutes).");
                                    return;
                                }

                                Uri returned = _c.AskForAddress(new Uri(registration.CallbackUrl));
                                document = _c.RunOffPipeline(token => Core.Connection.EntraConnector.CompleteAuthorizationAsync(service, registrations, registration, returned, options, log, token));
                                break;
                            }

                            if (!_c.IsWhatIf && (_c.NoBrowser || (!Core.Interaction.BrowserLauncher.CanOpen() && !_c.IsInteractive())))
                            {
                                throw new Core.PfaException("BrowserUnavailable", Core.PfaErrorKind.ResourceUnavailable, "No browser can be opened in this session (no desktop and no $env:BROWSER), and MSAL's sign-in needs one on this machine. Use Connect-PfaAzureDevOps -UseDeviceCode to sign in from another device's browser.", registration.ClientId);
                            }

                            if (!Core.Interaction.BrowserLauncher.CanOpen())
                            {
                                _c.WriteWarning("No browser seems available here; if the sign-in does not open, press Ctrl+C and use Connect-PfaAzureDevOps -UseDeviceCode.");
                            }

                            if (!_c.ShouldProcess(target, "Connect through Microsoft Entra ID (system browser)"))
                            {
                                return;
                            }

                            request.Flow = Core.Identity.EntraFlow.Interactive;
                            request.InteractiveTimeout = TimeSpan.FromSeconds(_c.TimeoutSeconds);
                            document = _c.RunOffPipeline(token => Core.Connection.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;
                    }
                }
                finally
                {
                    Secrets.Clear(secret);
                }

                _c.WarnIfSecretsUnprotected(document.TokenStorage != Core.Connection.ConnectionDocument.FileStorage, service.Vault.ProtectionDescription);
                _c.WriteVerbose($"Connected as {document.UserDisplayName} ({document.Flow}, tenant {document.TenantId}){(document.Organization != null ? " to " + document.Organization : string.Empty)}; the access token expires at {document.AccessTokenExpiresOn:u}.");
                if (_c.PassThru)
                {
                    _c.WriteObject(ConnectionModel.ToOutput(document, service, DateTimeOffset.UtcNow));
                }
            }

            private static Core.PfaException ConfidentialOnly(string what) => new Core.PfaException(
                "EntraConfidentialClientInteractive",
                Core.PfaErrorKind.InvalidOperation,
                $"{what} is for public clients; the registered Entra app is a confidential client (it has a client secret), so its users sign in through the instance's callback: run Connect-PfaAzureDevOps (or -NoBrowser, then -CallbackUri).",
                what);
        }
}
}
