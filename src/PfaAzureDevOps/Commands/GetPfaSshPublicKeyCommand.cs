using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows the current user's SSH public key: the line to paste, its type, size, comment and fingerprints.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PfaSshPublicKey")]
    [OutputType(typeof(PfaSshPublicKey))]
    public sealed class GetPfaSshPublicKeyCommand : PfaCmdlet
    {
        protected override void ProcessRecordCore()
        {
            var store = new Core.Ssh.SshKeyStore();
            Core.Ssh.StoredSshKey key = store.GetRequired();
            WriteVerbose($"Read {store.DocumentPath}.");
            if (IsShownAlone())
            {
                // Alone at the prompt: the key line whole, on one line (the terminal wraps it softly, so a mouse copy
                // pastes as one line; a formatted view would break it with newlines).
                UserMessages.Show(this, key.Type == Core.Ssh.SshKeyType.Rsa
                    ? "Your SSH public key; paste this one line in Azure DevOps (User settings > SSH public keys), or run Add-AzDevOpsSshKey:"
                    : "Your SSH public key; paste this one line into your git server:");
                UserMessages.Show(this, key.PublicKey);
                if (UserMessages.ClipboardAvailable())
                {
                    UserMessages.Show(this, "To copy it: Get-PfaSshPublicKey | Set-Clipboard");
                }
            }

            WriteObject(SshModel.ToOutput(key));
        }

        /// <summary>
        /// True when the command is the whole statement (<c>Get-PfaSshPublicKey</c> at the prompt): not piped, assigned or
        /// used in an expression such as <c>(Get-PfaSshPublicKey).Md5Fingerprint</c>, where the line would only be noise.
        /// </summary>
        private bool IsShownAlone()
        {
            if (MyInvocation.PipelineLength != 1 || MyInvocation.PipelinePosition != 1)
            {
                return false;
            }

            // The statement this command is in: nothing before it (no "$k =", "(", "&{"), and no pipe or ")" after it.
            string line = MyInvocation.Line ?? string.Empty;
            int at = Math.Max(0, MyInvocation.OffsetInLine - 1);
            if (at > line.Length)
            {
                return false;
            }

            string before = line.Substring(0, at);
            int previous = before.LastIndexOf(';');
            if ((previous >= 0 ? before.Substring(previous + 1) : before).Trim().Length != 0)
            {
                return false;
            }

            string rest = line.Substring(at);
            int next = rest.IndexOf(';');
            rest = next >= 0 ? rest.Substring(0, next) : rest;
            return rest.IndexOf('|') < 0 && rest.IndexOf(')') < 0 && rest.IndexOf('}') < 0;
        }
    }
}
