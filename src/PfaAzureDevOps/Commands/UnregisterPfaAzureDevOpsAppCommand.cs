using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>Removes the registered OAuth application and its client secret.</summary>
    [Cmdlet(VerbsLifecycle.Unregister, "PfaAzureDevOpsApp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(PfaAzureDevOpsApp))]
    public sealed class UnregisterPfaAzureDevOpsAppCommand : PfaCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public PfaStateScope? Scope { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            PfaStateScope scope = Scope ?? PfaStateScope.AllUsers;
            if (!Scope.HasValue)
            {
                Core.Registration.RegistrationService? found = null;
                try
                {
                    found = AppModel.FindEffective(null, out _);
                }
                catch (Core.PfaException) when (Force)
                {
                    // An unreadable document: -Force moves it aside below, in the scope named or the default one.
                }

                if (found != null)
                {
                    scope = found.Store.Scope == Core.Storage.StateScope.CurrentUser ? PfaStateScope.CurrentUser : PfaStateScope.AllUsers;
                }
            }

            var service = new Core.Registration.RegistrationService(AppModel.ToCore(scope));
            if (!ConfirmOrForce(Force, $"{scope} state at '{service.DocumentPath}'", "Remove the registered application and its client secret"))
            {
                return;
            }

            System.DateTimeOffset now = System.DateTimeOffset.UtcNow;
            Core.Registration.AppRegistration? removed = service.Unregister(Force);
            if (removed is null)
            {
                WriteWarning($"The unreadable registration file was moved aside (next to '{service.DocumentPath}') so a new one can be registered.");
                return;
            }

            WriteVerbose($"Removed application {removed.ClientId} from {scope}.");
            if (PassThru)
            {
                WriteObject(AppModel.ToOutput(removed, service, now));
            }
        }
    }
}
