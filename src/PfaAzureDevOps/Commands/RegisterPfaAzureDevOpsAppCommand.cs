using System;
using System.Management.Automation;
using System.Security;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Stores the instance's Microsoft Entra ID (or Azure DevOps OAuth) application: its ID and client secret.</para>
    /// </summary>
    /// <remarks>
    /// The default provider is Microsoft Entra ID, as for Open-PfaAzureDevOpsAppRegistrationPage: Azure DevOps accepts no
    /// new OAuth application registrations. A call without -Provider that names no tenant (the shape of a script written
    /// when Azure DevOps OAuth was the default) is refused with ProviderRequired before anything is stored or asked for.
    /// </remarks>
    [Cmdlet(VerbsLifecycle.Register, "PfaAzureDevOpsApp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaAzureDevOpsApp))]
    public sealed class RegisterPfaAzureDevOpsAppCommand : PfaCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public Uri InstanceUrl { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("AppId", "ApplicationId")]
        [GuidTransformation]
        public Guid ClientId { get; set; }

        [Parameter]
        public SecureString? ClientSecret { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public PfaIdentityProvider Provider { get; set; } = PfaIdentityProvider.EntraId;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Tenant")]
        [ArgumentCompleter(typeof(TenantCompleter))]
        public string? TenantId { get; set; }

        [Parameter]
        [Alias("Authority")]
        public Uri? AuthorizationServer { get; set; }

        /// <summary>Entra ID confidential client: its certificate's thumbprint in the CurrentUser\My store (instead of -ClientSecret).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CertificateThumbprintCompleter))]
        public string? CertificateThumbprint { get; set; }

        /// <summary>Entra ID confidential client: its certificate file, .pfx or PEM with the private key (instead of -ClientSecret).</summary>
        [Parameter]
        public string? CertificatePath { get; set; }

        /// <summary>Entra ID without -TenantId: the organization whose tenant is discovered (https://dev.azure.com/{name}).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(OrganizationCompleter))]
        public string? Organization { get; set; }

        /// <summary>Entra ID without -TenantId: the organization URL whose tenant is discovered.</summary>
        [Parameter]
        public Uri? OrganizationUrl { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(OAuthScopeCompleter))]
        public string[]? OAuthScope { get; set; }

        [Parameter]
        public DateTimeOffset? SecretExpiresOn { get; set; }

        [Parameter]
        public PfaStateScope Scope { get; set; } = PfaStateScope.AllUsers;

        /// <summary>AllUsers on Linux: the OS group whose members may use the client secret to connect.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UserGroup { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            RequireProviderWhenAmbiguous();
            char[]? secret = null;
            try
            {
                bool prompt = ClientSecret is null && Provider == PfaIdentityProvider.AzureDevOps;
                if (ClientSecret != null)
                {
                    secret = Secrets.ToChars(ClientSecret);
                }

                string? tenant = TenantId;
                if (tenant == null && (Organization != null || OrganizationUrl != null))
                {
                    if (Provider != PfaIdentityProvider.EntraId)
                    {
                        throw new Core.PfaException(Core.Errors.ErrorIds.TenantNotApplicable, Core.PfaErrorKind.InvalidArgument, "-Organization and -OrganizationUrl discover the Microsoft Entra tenant; they apply to -Provider EntraId only.", "Organization");
                    }

                    Uri organizationUrl = Core.Connection.AzureDevOpsUrls.Organization(Organization, OrganizationUrl, Core.Registration.RegistrationRules.DefaultAzureDevOpsAuthorizationServer)!;
                    // A plain lambda, not an async one: an async lambda's state machine would name an engine type
                    // and make loading the cmdlets assembly's types load the engine.
                    Core.SignIn.Entra.TenantDiscoveryResult found = RunOffPipeline(token => Core.SignIn.Entra.EntraTenantDiscovery.DiscoverAsync(organizationUrl, token));
                    tenant = found.Tenant;
                    WriteVerbose($"The organization {organizationUrl} belongs to tenant '{tenant}' ({found.Source}).");
                }

                var request = new Core.Registration.RegistrationRequest
                {
                    Provider = AppModel.ToCore(Provider),
                    ClientId = ClientId,
                    TenantId = tenant,
                    InstanceUrl = InstanceUrl,
                    AuthorizationServer = AuthorizationServer,
                    Scopes = OAuthScope,
                    ClientSecret = secret,
                    SecretExpiresOn = SecretExpiresOn,
                    CertificateThumbprint = string.IsNullOrEmpty(CertificateThumbprint) ? null : CertificateThumbprint,
                    CertificatePath = string.IsNullOrEmpty(CertificatePath) ? null : SshModel.ResolveFileSystemPath(this, CertificatePath!, nameof(CertificatePath)),
                    Force = Force,
                    UserGroup = UserGroup,
                };

                DateTimeOffset now = DateTimeOffset.UtcNow;

                // Everything but the secret is checked before anyone is asked for it.
                request.ClientSecret = prompt ? new[] { '-' } : secret;
                Core.Registration.AppRegistration preview = Core.Registration.RegistrationService.Build(request, now);
                request.ClientSecret = secret;
                if (preview.Provider == Core.Registration.IdentityProvider.EntraId)
                {
                    WriteVerbose($"MSAL accepts the authority {Core.SignIn.Entra.EntraConfiguration.Validate(preview)}.");
                }

                var service = new Core.Registration.RegistrationService(AppModel.ToCore(Scope));
                string action = $"Register {preview.Provider} application {preview.ClientId} (callback {preview.CallbackUrl})";
                if (!ShouldProcess($"{Scope} state at '{service.Store.Root}'", action))
                {
                    return;
                }

                if (prompt)
                {
                    secret = PromptForSecret();
                    request.ClientSecret = secret;
                }

                WriteVerbose($"Callback URL: {preview.CallbackUrl}; scopes: {string.Join(" ", preview.Scopes)}; authorization server: {preview.AuthorizationServer}.");
                Core.Registration.AppRegistration registration = service.Register(request, now);
                if (registration.ClientSecretName != null)
                {
                    WarnIfSecretsUnprotected(service.Vault.IsProtected);
                }

                if (registration.Provider == Core.Registration.IdentityProvider.AzureDevOps)
                {
                    WriteWarning("Azure DevOps OAuth applications are being retired by Microsoft (no new registrations since 2025). For new setups register a Microsoft Entra ID application (-Provider EntraId).");
                    if (!registration.SecretExpiresOn.HasValue)
                    {
                        WriteWarning("Client secrets of Azure DevOps OAuth applications expire (60 days by default). Record the expiry with Set-PfaAzureDevOpsApp -SecretExpiresOn so Get-PfaAzureDevOpsApp can warn before it happens.");
                    }
                }

                WriteVerbose($"Registered in {service.DocumentPath}.");
                string who = Scope == PfaStateScope.AllUsers ? "all users of this machine" : "you";
                UserMessages.Show(this, $"Registered the {(registration.Provider == Core.Registration.IdentityProvider.EntraId ? "Microsoft Entra ID" : "Azure DevOps OAuth")} application {registration.ClientId} for {who}; its callback is {registration.CallbackUrl}.");
                UserMessages.Show(this, "Next: each user runs Connect-PfaAzureDevOps -AddSshKey (connects, then creates and adds their SSH key).");
                if (PassThru)
                {
                    WriteObject(AppModel.ToOutput(registration, service, now));
                }
            }
            finally
            {
                Secrets.Clear(secret);
            }
        }

        /// <summary>
        /// The default changed from Azure DevOps OAuth to Entra ID. Without -Provider the Entra default applies only when
        /// the call names the tenant (or how to find it, or a certificate); otherwise the call could mean either, and a
        /// silently different registration would fail only later, at the users' sign-in.
        /// </summary>
        private void RequireProviderWhenAmbiguous()
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Provider))
                || TenantId != null || Organization != null || OrganizationUrl != null
                || !string.IsNullOrEmpty(CertificateThumbprint) || !string.IsNullOrEmpty(CertificatePath))
            {
                return;
            }

            string shape = ClientSecret != null || SecretExpiresOn.HasValue
                ? "This call gives a client secret (or its expiry) but no tenant, like a script written when Azure DevOps OAuth was the default."
                : "This call names no tenant.";
            throw new Core.PfaException(
                Core.Errors.ErrorIds.ProviderRequired,
                Core.PfaErrorKind.InvalidArgument,
                "Microsoft Entra ID is now the default provider (Azure DevOps accepts no new OAuth applications). " + shape + Environment.NewLine
                + "For an existing Azure DevOps OAuth application add -Provider AzureDevOps. For an Entra ID application add -TenantId <Directory ID> "
                + "(or -Organization <name> to find it; -Provider EntraId for a multi-tenant app). Nothing was stored.",
                "Provider");
        }

        private char[] PromptForSecret()
        {
            if (!IsInteractive())
            {
                throw new Core.PfaException(Core.Errors.ErrorIds.ClientSecretRequired, Core.PfaErrorKind.InvalidArgument, "An Azure DevOps OAuth application needs its client secret (-ClientSecret): copy the 'Client Secret' (not the 'App Secret') from the application's page, as a SecureString (for example from Get-Secret or Read-Host -AsSecureString). This session is non-interactive, so it was not asked for.", "ClientSecret");
            }

            Host.UI.Write("Client secret (the 'Client Secret' from the application's page, not the 'App Secret'): ");
            using (SecureString entered = Host.UI.ReadLineAsSecureString())
            {
                return Secrets.ToChars(entered);
            }
        }
    }
}
