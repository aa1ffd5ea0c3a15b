using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>Says exactly what to enter on the identity platform's app registration page for an instance, and opens it.</summary>
    [Cmdlet(VerbsCommon.Open, "PfaAzureDevOpsAppRegistrationPage")]
    [OutputType(typeof(PfaAppRegistrationGuide))]
    public sealed class OpenPfaAzureDevOpsAppRegistrationPageCommand : PfaCmdlet
    {
        internal const string EntraRegistrationPage = "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/CreateApplicationBlade";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public Uri InstanceUrl { get; set; } = null!;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public PfaIdentityProvider Provider { get; set; } = PfaIdentityProvider.EntraId;

        [Parameter]
        public string? CompanyName { get; set; }

        [Parameter]
        public string ApplicationName { get; set; } = "PFA";

        [Parameter]
        public SwitchParameter NoBrowser { get; set; }

        protected override void ProcessRecordCore()
        {
            Uri instance = Core.Registration.RegistrationRules.NormalizeInstanceUrl(InstanceUrl);
            Uri callback = Core.Registration.RegistrationRules.CallbackFor(instance);
            PfaAppRegistrationGuide guide;
            if (Provider == PfaIdentityProvider.AzureDevOps)
            {
                WriteWarning("Azure DevOps no longer accepts new OAuth application registrations, and existing ones are being retired. Use this only to re-create the values of an existing application; register new ones in Microsoft Entra ID (-Provider EntraId).");
                guide = new PfaAppRegistrationGuide
                {
                    Provider = Provider.ToString(),
                    RegistrationPage = new Uri(Core.Registration.RegistrationRules.AzureDevOpsRegistrationPage),
                    CompanyName = CompanyName ?? "(your company name)",
                    ApplicationName = ApplicationName,
                    ApplicationWebsite = instance,
                    AuthorizationCallbackUrl = callback,
                    AuthorizedScopes = new[] { "Code (read and write)  [vso.code_write]" },
                    NextSteps = new[]
                    {
                        "Click Create Application and keep the page open.",
                        $"Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl {instance} -ClientId <App ID> -ClientSecret (Read-Host -AsSecureString 'Client Secret') -SecretExpiresOn <expiry shown on the page>",
                    },
                };
            }
            else
            {
                guide = new PfaAppRegistrationGuide
                {
                    Provider = Provider.ToString(),
                    RegistrationPage = new Uri(EntraRegistrationPage),
                    ApplicationName = ApplicationName,
                    ApplicationWebsite = instance,
                    AuthorizationCallbackUrl = callback,
                    SupportedAccountTypes = "Accounts in this organizational directory only (single tenant), unless users sign in from several tenants",
                    RedirectPlatform = "Web (the instance callback); add 'Mobile and desktop applications' with http://localhost for PowerShell sign-in as a public client",
                    ApiPermissions = new[] { $"Azure DevOps ({Core.Registration.RegistrationRules.AzureDevOpsResourceId}) > Delegated > vso.code_write" },
                    AuthorizedScopes = new[] { Core.Registration.RegistrationRules.DefaultEntraScope },
                    NextSteps = new[]
                    {
                        "Register the application, then copy the Application (client) ID and the Directory (tenant) ID from its Overview page.",
                        "For the instance's web callback, create a client secret under Certificates & secrets and note its expiry.",
                        $"Register-PfaAzureDevOpsApp -InstanceUrl {instance} -ClientId <Application ID> -TenantId <Directory ID> [-ClientSecret ... -SecretExpiresOn ...]",
                    },
                };
            }

            if (NoBrowser)
            {
                guide.BrowserNote = "not opened (-NoBrowser): open RegistrationPage yourself";
            }
            else if (Core.Interaction.BrowserLauncher.CanOpen() && (IsInteractive() || Core.Interaction.BrowserLauncher.HasBrowserOverride))
            {
                // A browser command that ends at once with an error (not found, bad arguments) is noticed within a few seconds.
                using (Core.Interaction.OpenedBrowser? opened = Core.Interaction.BrowserLauncher.Open(guide.RegistrationPage!))
                {
                    Core.Interaction.BrowserFailure? failure = opened is null
                        ? new Core.Interaction.BrowserFailure(Core.Interaction.BrowserLauncher.CommandName(), null, null)
                        : RunOffPipeline(token => opened.WaitForEarlyFailureAsync(Core.Interaction.OpenedBrowser.EarlyExitWindow, token));
                    guide.BrowserOpened = failure is null;
                    guide.BrowserNote = failure is null
                        ? "opened on the registration page"
                        : "t" + failure.Describe().Substring(1) + ": open RegistrationPage yourself";
                    WriteVerbose(failure is null ? $"Opened {guide.RegistrationPage} in the browser." : failure.Describe() + "; open the page yourself.");
                }
            }
            else
            {
                guide.BrowserNote = Core.Interaction.BrowserLauncher.CanOpen()
                    ? "not opened (non-interactive session; set $env:BROWSER to open one): open RegistrationPage yourself"
                    : "not opened (no desktop and no $env:BROWSER): open RegistrationPage yourself";
                WriteVerbose("No browser in this session (non-interactive or no desktop); open the page yourself.");
            }

            WriteObject(guide);
        }
    }
}
