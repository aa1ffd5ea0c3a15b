// Over 450 lines: not yet split by responsibility. The split is the structure step (issue 12); see
// docs/ARCHITECTURE.md, "Known structural debt", for what goes where.
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

            Core.SignIn.AzureDevOpsOAuth.AuthorizationRequest request;
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
                    using (Core.SignIn.LoopbackListener listener = Core.SignIn.LoopbackListener.Start(request.CallbackUrl))
                    {
                        listener.ExpectedState = request.State;
                        ShowLink(request.AuthorizeUrl);
                        OpenBrowser(request.AuthorizeUrl);
                        WriteVerbose($"Waiting up to {TimeoutSeconds} seconds for the browser to come back to {request.CallbackUrl.GetLeftPart(UriPartial.Path)} (listening on 127.0.0.1:{request.CallbackUrl.Port} only).");
                        returned = WaitForBrowser(listener, TimeSpan.FromSeconds(TimeoutSeconds));
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
            WarnIfSecretsUnprotected(document.TokenStorage != Core.Connection.ConnectionDocument.FileStorage);
            Finish(document, service);
        }

        /// <summary>
        /// After sign-in: settles the organization (the only one discovered is already taken; several: an interactive user
        /// picks one, a script gets an error listing them, the connection kept), says who is connected where until when and
        /// what to run next, and writes the connection with -PassThru.
        /// </summary>
        private void Finish(Core.Connection.ConnectionDocument document, Core.Connection.ConnectionService service)
        {
            // A person signed in (not a pipeline token, service principal or managed identity): they may be offered a key.
            bool person = document.Flow is null || document.Flow == "Interactive" || document.Flow == "DeviceCode" || document.Flow == "AuthorizationCode";
            System.Collections.Generic.List<string>? known = document.KnownOrganizations;
            Core.PfaException? choiceNeeded = null;
            if (document.Organization is null && known != null && known.Count > 1)
            {
                string? chosen = IsInteractive() ? AskForOrganization(known) : null;
                if (chosen != null)
                {
                    document = RunOffPipeline(token => service.SelectOrganizationAsync(chosen, message => OnPipeline(() => WriteVerbose(message)), token));
                }
                else
                {
                    choiceNeeded = new Core.PfaException(
                        "OrganizationChoiceRequired",
                        Core.PfaErrorKind.InvalidArgument,
                        $"You are connected, but you belong to {known.Count} organizations ({string.Join(", ", known)}) and this session cannot ask which one.\nNext: Connect-PfaAzureDevOps -Organization {known[0]}, or give -Organization to each key cmdlet.",
                        string.Join(",", known));
                }
            }

            string who = document.UserEmail != null && document.UserEmail != document.UserDisplayName ? $"{document.UserDisplayName} <{document.UserEmail}>" : document.UserDisplayName ?? document.UserId;
            string where = document.Organization != null
                ? $" to organization {document.Organization}"
                : known != null && known.Count == 0 ? " (you belong to no Azure DevOps organization yet)" : string.Empty;
            UserMessages.Show(this, $"Connected as {who}{where}; the access token is valid until {UserMessages.Time(document.AccessTokenExpiresOn)} and renews itself.");
            if (document.Organization is null && choiceNeeded is null)
            {
                UserMessages.Show(this, "No organization is recorded (your organizations could not be listed): connect with -Organization <name>, or give -Organization to each key cmdlet.");
            }
            else if (choiceNeeded is null)
            {
                bool hasKey = UserMessages.HasLocalKey();
                if (AddSshKey || (!hasKey && person && OfferSshKey(document.Organization!)))
                {
                    SetUpSshKey(document, service);
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
        private void SetUpSshKey(Core.Connection.ConnectionDocument document, Core.Connection.ConnectionService connections)
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
                    return;
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
                string until = added.ValidTo.HasValue ? " until " + UserMessages.Date(added.ValidTo.Value) : string.Empty;
                UserMessages.Show(this, added.AlreadyPresent
                    ? $"Your key MD5:{key.Md5Fingerprint} is already in {endpoints.Organization}, valid{until}."
                    : $"Added your key MD5:{key.Md5Fingerprint} to {endpoints.Organization} as '{added.DisplayName}', valid{until}.");
                UserMessages.Show(this, "Next: Test-PfaAzureDevOpsSshAccess <repository SSH URL> proves you can clone.");
            }
            catch (Core.PfaException ex)
            {
                // Connected all the same: say so with the error.
                WriteError(ErrorMapper.ToErrorRecord(ex));
                UserMessages.Show(this, "You are connected; the SSH key step failed (above). Run Add-AzDevOpsSshKey when it is fixed.");
            }
        }

        /// <summary>Lists the organizations and reads a name or number; Enter takes the first.</summary>
        private string AskForOrganization(System.Collections.Generic.List<string> names)
        {
            ShowText($"You belong to {names.Count} Azure DevOps organizations:");
            for (int i = 0; i < names.Count; i++)
            {
                ShowText($"  [{i + 1}] {names[i]}");
            }

            for (int attempt = 0; attempt < 3; attempt++)
            {
                Host.UI.Write($"Which one should this connection use? (number or name, Enter for {names[0]}): ");
                string answer = (Host.UI.ReadLine() ?? string.Empty).Trim();
                if (answer.Length == 0)
                {
                    return names[0];
                }

                if (int.TryParse(answer, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number) && number >= 1 && number <= names.Count)
                {
                    return names[number - 1];
                }

                string? match = names.Find(n => string.Equals(n, answer, StringComparison.OrdinalIgnoreCase));
                if (match != null)
                {
                    return match;
                }

                ShowText($"'{answer}' is not one of them: type a number from 1 to {names.Count} or a name from the list.");
            }

            return names[0];
        }

        /// <summary>
        /// Waits for the browser's redirect with a waiting line and a countdown, so a person sees that something is
        /// expected of them; Ctrl+C stops it.
        /// </summary>
        private Uri WaitForBrowser(Core.SignIn.LoopbackListener listener, TimeSpan timeout)
        {
            ShowText($"Waiting for you to click Accept in the browser (up to {timeout.TotalSeconds:0} s; Ctrl+C stops).");
            const string Activity = "Waiting for the browser";
            int total = (int)timeout.TotalSeconds;
            Uri received = RunOffPipelineWithTicks(
                token => listener.WaitAsync(timeout, token).GetAwaiter().GetResult(),
                TimeSpan.FromSeconds(1),
                elapsed => WriteProgress(new ProgressRecord(2, Activity, $"Click Accept in the browser ({(int)elapsed.TotalSeconds} s of {total} s)")
                {
                    PercentComplete = Math.Min(100, (int)(elapsed.TotalSeconds * 100 / Math.Max(1, total))),
                    SecondsRemaining = Math.Max(0, total - (int)elapsed.TotalSeconds),
                }));
            WriteProgress(new ProgressRecord(2, Activity, "Done") { RecordType = ProgressRecordType.Completed });
            return received;
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
                document = RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.ConnectWithAccessTokenAsync(service, secret, options, message => OnPipeline(() => WriteVerbose(message)), token));
            }
            finally
            {
                Secrets.Clear(secret);
            }

            WarnIfSecretsUnprotected(document.TokenStorage != Core.Connection.ConnectionDocument.FileStorage);
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
                bool confidential = Core.SignIn.Entra.EntraConnector.IsConfidential(registration);
                string set = _c.ParameterSetName;
                var request = new Core.SignIn.Entra.EntraConnectRequest { Options = options, Log = log };
                string target = $"Azure DevOps connection of {Environment.UserName} ({service.DocumentPath})";
                _c.WriteVerbose($"Microsoft Entra ID application {registration.ClientId} ({registrations.Store.Scope}, {(confidential ? "confidential" : "public")} client); authority {Core.SignIn.Entra.EntraAuthority.For(registration)}; scopes {string.Join(" ", registration.Scopes)}.");
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

                            document = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.CompleteAuthorizationAsync(service, registrations, registration, _c.CallbackUri, options, log, token));
                            break;

                        case DeviceCodeSet:
                            if (confidential)
                            {
                                throw ConfidentialOnly("-UseDeviceCode");
                            }

                            request.Flow = Core.SignIn.Entra.EntraFlow.DeviceCode;
                            request.DeviceCodePrompt = prompt =>
                            {
                                _c.OnPipeline(() => _c.WriteWarning(prompt.Message));
                                return System.Threading.Tasks.Task.CompletedTask;
                            };
                            if (!_c.ShouldProcess(target, "Connect through Microsoft Entra ID (device code)"))
                            {
                                return;
                            }

                            document = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;

                        case AccessTokenSet:
                            secret = Secrets.ToChars(_c.AccessToken);
                            request.Flow = Core.SignIn.Entra.EntraFlow.AccessToken;
                            request.AccessToken = secret;
                            if (!_c.ShouldProcess(target, "Connect with the given access token"))
                            {
                                return;
                            }

                            document = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;

                        case ServicePrincipalSecretSet:
                        case ServicePrincipalCertificateSet:
                            request.Flow = Core.SignIn.Entra.EntraFlow.ServicePrincipal;
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

                            document = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;

                        case ManagedIdentitySet:
                            request.Flow = Core.SignIn.Entra.EntraFlow.ManagedIdentity;
                            request.ManagedIdentityClientId = _c.MyInvocation.BoundParameters.ContainsKey(nameof(ClientId)) ? _c.ClientId.ToString("D") : null;
                            if (!_c.ShouldProcess(target, "Connect as the managed identity"))
                            {
                                return;
                            }

                            document = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;

                        default:
                            if (confidential)
                            {
                                if (!_c.ShouldProcess(target, "Connect through Microsoft Entra ID (authorization code + PKCE at the instance callback)"))
                                {
                                    return;
                                }

                                Uri url = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.BeginAuthorizationAsync(service, registrations, registration, log, token));
                                var callback = new Uri(registration.CallbackUrl);
                                if (callback.Scheme == Uri.UriSchemeHttp && Core.Registration.RegistrationRules.IsLoopback(callback) && !callback.IsDefaultPort)
                                {
                                    // The instance callback is on this machine: receive the browser's redirect here, as for Azure DevOps OAuth.
                                    Uri received;
                                    using (Core.SignIn.LoopbackListener listener = Core.SignIn.LoopbackListener.Start(callback))
                                    {
                                        listener.ExpectedState = Core.SignIn.LoopbackListener.QueryValue(url.Query, "state");
                                        _c.ShowText("Open this link to sign in with your Microsoft Entra ID account:");
                                        _c.ShowText(url.AbsoluteUri);
                                        _c.OpenBrowser(url);
                                        _c.WriteVerbose($"Waiting up to {_c.TimeoutSeconds} seconds for the browser to come back to {callback.GetLeftPart(UriPartial.Path)} (listening on 127.0.0.1:{callback.Port} only).");
                                        received = _c.WaitForBrowser(listener, TimeSpan.FromSeconds(_c.TimeoutSeconds));
                                    }

                                    document = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.CompleteAuthorizationAsync(service, registrations, registration, received, options, log, token));
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
                                document = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.CompleteAuthorizationAsync(service, registrations, registration, returned, options, log, token));
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

                            request.Flow = Core.SignIn.Entra.EntraFlow.Interactive;
                            request.InteractiveTimeout = TimeSpan.FromSeconds(_c.TimeoutSeconds);
                            _c.ShowText($"Sign in in the browser that opens; waiting up to {_c.TimeoutSeconds} s (Ctrl+C stops).");
                            document = _c.RunOffPipeline(token => Core.SignIn.Entra.EntraConnector.ConnectAsync(service, registrations, registration, request, token));
                            break;
                    }
                }
                finally
                {
                    Secrets.Clear(secret);
                }

                _c.WarnIfSecretsUnprotected(document.TokenStorage != Core.Connection.ConnectionDocument.FileStorage);
                _c.WriteVerbose($"Connected as {document.UserDisplayName} ({document.Flow}, tenant {document.TenantId}).");
                _c.Finish(document, service);
            }

            private static Core.PfaException ConfidentialOnly(string what) => new Core.PfaException(
                "EntraConfidentialClientInteractive",
                Core.PfaErrorKind.InvalidOperation,
                $"{what} is for public clients; the registered Entra app is a confidential client (it has a client secret), so its users sign in through the instance's callback: run Connect-PfaAzureDevOps (or -NoBrowser, then -CallbackUri).",
                what);
        }
}
}
