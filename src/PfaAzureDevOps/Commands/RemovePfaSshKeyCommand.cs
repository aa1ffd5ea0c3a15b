using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Deletes the current user's SSH key pair from the user's store.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "PfaSshKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(PfaSshPublicKey))]
    public sealed class RemovePfaSshKeyCommand : PfaCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            var store = new Core.Ssh.SshKeyStore();
            string description;
            try
            {
                Core.Ssh.StoredSshKey existing = store.GetRequired();
                description = $"Remove your SSH key {existing.Sha256Fingerprint} ({existing.Type} {existing.Bits}, '{existing.Comment}'); it stops working wherever it is registered";
            }
            catch (Core.PfaException ex) when (Force && (ex.ErrorId == Core.Errors.ErrorIds.StoreFileCorrupt || ex.ErrorId == Core.Errors.ErrorIds.StoreVersionUnsupported))
            {
                description = "Move the unreadable SSH key file aside";
            }

            if (!ConfirmOrForce(Force, $"CurrentUser state at '{store.DocumentPath}'", description))
            {
                return;
            }

            Core.Ssh.StoredSshKey? removed = store.Remove(Force);
            if (removed is null)
            {
                WriteWarning($"The unreadable SSH key file was moved aside (next to '{store.DocumentPath}', with an .unreadable-<time> suffix); run New-PfaSshKey to create a new key.");
                return;
            }

            WriteVerbose($"Removed SSH key {removed.Sha256Fingerprint}.");
            if (PassThru)
            {
                WriteObject(SshModel.ToOutput(removed));
            }
        }
    }
}
