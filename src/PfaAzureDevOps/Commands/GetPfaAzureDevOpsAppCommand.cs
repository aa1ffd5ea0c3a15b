using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>Shows the registered OAuth application(s); never the secret.</summary>
    [Cmdlet(VerbsCommon.Get, "PfaAzureDevOpsApp")]
    [OutputType(typeof(PfaAzureDevOpsApp))]
    public sealed class GetPfaAzureDevOpsAppCommand : PfaCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public PfaStateScope? Scope { get; set; }

        protected override void ProcessRecordCore()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            PfaStateScope[] scopes = Scope.HasValue ? new[] { Scope.Value } : new[] { PfaStateScope.CurrentUser, PfaStateScope.AllUsers };
            foreach (PfaStateScope scope in scopes)
            {
                var service = new Core.Registration.RegistrationService(AppModel.ToCore(scope));
                Core.Registration.AppRegistration? registration = service.Get();
                if (registration is null)
                {
                    if (Scope.HasValue)
                    {
                        throw Core.Registration.RegistrationService.NotRegistered(AppModel.ToCore(scope));
                    }

                    WriteVerbose($"No application is registered for {scope} ({service.DocumentPath}).");
                    continue;
                }

                PfaAzureDevOpsApp app = AppModel.ToOutput(registration, service, now);
                WarnAboutExpiry(app);
                WriteObject(app);
            }
        }

        /// <summary>The engine's expiry rule (Core.Registration.SecretExpiry: warned when less than 14 days are left), said as a warning.</summary>
        private void WarnAboutExpiry(PfaAzureDevOpsApp app)
        {
            if (app.SecretExpiresOn is DateTimeOffset expires && app.SecretExpiresInDays is int days)
            {
                switch (Core.Registration.SecretExpiry.Evaluate(expires, DateTimeOffset.UtcNow))
                {
                    case Core.Registration.SecretExpiryState.Expired:
                        WriteWarning($"The client secret of application {app.ClientId} ({app.Scope}) expired on {expires:yyyy-MM-dd}: nobody can connect until an administrator generates a new one and runs Set-PfaAzureDevOpsApp -ClientSecret.");
                        break;
                    case Core.Registration.SecretExpiryState.ExpiringSoon:
                        WriteWarning($"The client secret of application {app.ClientId} ({app.Scope}) expires on {expires:yyyy-MM-dd} (in {days} days). Generate a new one and run Set-PfaAzureDevOpsApp -ClientSecret before then.");
                        break;
                }
            }
        }
    }
}
