using System;
using System.Management.Automation;
using System.Security;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>Rotates the client secret, or changes the secret's expiry, the scopes or the authorization server.</summary>
    [Cmdlet(VerbsCommon.Set, "PfaAzureDevOpsApp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaAzureDevOpsApp))]
    public sealed class SetPfaAzureDevOpsAppCommand : PfaCmdlet
    {
        [Parameter]
        public SecureString? ClientSecret { get; set; }

        [Parameter]
        public DateTimeOffset? SecretExpiresOn { get; set; }

        [Parameter]
        public SwitchParameter ClearSecretExpiry { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(OAuthScopeCompleter))]
        public string[]? OAuthScope { get; set; }

        [Parameter]
        [Alias("Authority")]
        public Uri? AuthorizationServer { get; set; }

        /// <summary>AllUsers on Linux: the OS group whose members may use the client secret to connect.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UserGroup { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public PfaStateScope? Scope { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            if (ClientSecret is null && !SecretExpiresOn.HasValue && !ClearSecretExpiry && OAuthScope is null && AuthorizationServer is null && UserGroup is null)
            {
                throw new Core.PfaException(Core.Errors.ErrorIds.NothingToChange, Core.PfaErrorKind.InvalidArgument, "Say what to change: -ClientSecret, -SecretExpiresOn, -ClearSecretExpiry, -OAuthScope, -AuthorizationServer or -UserGroup.");
            }

            if (ClearSecretExpiry && SecretExpiresOn.HasValue)
            {
                throw new Core.PfaException(Core.Errors.ErrorIds.ConflictingParameters, Core.PfaErrorKind.InvalidArgument, "-ClearSecretExpiry and -SecretExpiresOn contradict each other: give one of them.");
            }

            Core.Registration.RegistrationService service = AppModel.FindEffective(Scope, out Core.Registration.AppRegistration? existing)
                ?? throw new Core.PfaException(Core.Errors.ErrorIds.RegistrationNotFound, Core.PfaErrorKind.NotFound, "No Azure DevOps application is registered, neither for CurrentUser nor for AllUsers. Register one with Register-PfaAzureDevOpsApp.");
            if (existing is null)
            {
                throw Core.Registration.RegistrationService.NotRegistered(service.Store.Scope);
            }

            if (!ShouldProcess($"application {existing.ClientId} ({service.Store.Scope})", ClientSecret != null ? "Rotate the client secret" : "Update the registration"))
            {
                return;
            }

            // A new secret's expiry is worth a question: without it Get-PfaAzureDevOpsApp cannot warn before the secret
            // expires. Asked only where someone can answer; a script keeps the warning below and is never prompted.
            DateTimeOffset? expires = SecretExpiresOn;
            if (ClientSecret != null && !expires.HasValue && !ClearSecretExpiry && IsInteractive())
            {
                expires = AskSecretExpiry(DateTimeOffset.UtcNow);
            }

            char[]? secret = ClientSecret != null ? Secrets.ToChars(ClientSecret) : null;
            try
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                Core.Registration.AppRegistration updated = service.Update(
                    new Core.Registration.RegistrationChange
                    {
                        ClientSecret = secret,
                        SecretExpiresOn = expires,
                        ClearSecretExpiry = ClearSecretExpiry,
                        Scopes = OAuthScope,
                        AuthorizationServer = AuthorizationServer,
                        UserGroup = UserGroup,
                    },
                    now);
                if (secret != null)
                {
                    WarnIfSecretsUnprotected(service.Vault.IsProtected);
                    WriteVerbose("The client secret was replaced; the previous one was deleted. On Azure DevOps, tokens minted with the old secret stop working: users connect again.");
                    if (!expires.HasValue && !ClearSecretExpiry)
                    {
                        WriteWarning("The new client secret's expiry is not known, so the previous expiry was cleared. Record it with Set-PfaAzureDevOpsApp -SecretExpiresOn so Get-PfaAzureDevOpsApp can warn before it happens.");
                    }
                }

                if (PassThru)
                {
                    WriteObject(AppModel.ToOutput(updated, service, now));
                }
            }
            finally
            {
                Secrets.Clear(secret);
            }
        }

        /// <summary>Asks for the new secret's expiry: a date as the application's page shows it, Enter when unknown; a bad answer is asked again.</summary>
        private DateTimeOffset? AskSecretExpiry(DateTimeOffset now)
        {
            for (int attempt = 0; attempt < 3; attempt++)
            {
                Host.UI.Write("When does the new client secret expire? The date on the application's page (yyyy-MM-dd; Enter if unknown): ");
                string answer = (Host.UI.ReadLine() ?? string.Empty).Trim();
                if (answer.Length == 0)
                {
                    return null;
                }

                if (!DateTimeOffset.TryParse(answer, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeLocal, out DateTimeOffset date)
                    && !DateTimeOffset.TryParse(answer, System.Globalization.CultureInfo.CurrentCulture, System.Globalization.DateTimeStyles.AssumeLocal, out date))
                {
                    Host.UI.WriteLine($"'{answer}' is not a date. Type it as yyyy-MM-dd, for example {UserMessages.Date(now.AddDays(60))}.");
                    continue;
                }

                if (date <= now)
                {
                    Host.UI.WriteLine($"{UserMessages.Date(date)} is not in the future; a new secret expires later. Type its expiry, or Enter if unknown.");
                    continue;
                }

                return date;
            }

            return null;
        }
    }
}
