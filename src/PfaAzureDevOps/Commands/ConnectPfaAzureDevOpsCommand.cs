using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Connects your Azure DevOps account through the instance's Azure DevOps OAuth application (browser sign-in).</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "PfaAzureDevOps", DefaultParameterSetName = BrowserSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaAzureDevOpsConnection))]
    public sealed class ConnectPfaAzureDevOpsCommand : PfaCmdlet
    {
        private const string BrowserSet = "Browser";
        private const string CallbackSet = "CallbackUri";

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

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            Core.Registration.RegistrationService registrationService = Core.Connection.ConnectionService.FindRegistration(out Core.Registration.AppRegistration registration);
            Core.Connection.ConnectionService.RequireAzureDevOpsProvider(registration);
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
                if (!loopback && !NoBrowser && !interactive)
                {
                    throw new Core.PfaException(
                        "CallbackAddressPromptUnavailable",
                        Core.PfaErrorKind.InvalidOperation,
                        $"The callback URL '{registration.CallbackUrl}' is not on this machine, so Connect-PfaAzureDevOps would have to ask for the address the browser ends on, and this session is non-interactive. In a script, run Connect-PfaAzureDevOps -NoBrowser to get the sign-in link, open it and click Accept, then run Connect-PfaAzureDevOps -CallbackUri '<the address the browser ended on>'.",
                        registration.CallbackUrl);
                }

                if (loopback && !NoBrowser && !interactive && !Core.Interaction.BrowserLauncher.CanOpen())
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

        private void ShowLink(Uri url)
        {
            ShowText("Open this link to sign in to Azure DevOps and click Accept:");
            ShowText(url.AbsoluteUri);
        }

        /// <summary>Through the information stream with the PSHOST tag: shown like Write-Host, and capturable (6>&amp;1, -InformationVariable).</summary>
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
    }
}
