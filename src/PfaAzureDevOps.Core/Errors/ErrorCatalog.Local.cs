namespace PfaAzureDevOps.Core.Errors
{
    public static partial class ErrorCatalog
    {
        private static void AddInput(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "Parameters, URLs and files";
            list.Add(new ErrorEntry(ErrorIds.InvalidInstanceUrl, PfaErrorKind.InvalidArgument, Area,
                "The instance URL is not absolute, not https (http only to a literal loopback address such as http://127.0.0.1:8080), has a user name or password, a query or a fragment.",
                "Give the base URL of the Pipelines for Applications instance, such as https://pipelines.example.com."));
            list.Add(new ErrorEntry(ErrorIds.InvalidServerUrl, PfaErrorKind.InvalidArgument, Area,
                "A server URL (-AuthorizationServer, -OrganizationUrl, -VsspsUrl, -ProfileUrl) breaks the URL rule: not absolute, not https (http only to a literal loopback address), or it has user info, a query or a fragment.",
                "Give an https URL without user name, query or fragment, such as https://dev.azure.com/contoso."));
            list.Add(new ErrorEntry(ErrorIds.InvalidOrganizationUrl, PfaErrorKind.InvalidArgument, Area,
                "The organization URL is not absolute or breaks the URL rule.",
                "Give the organization's URL, such as https://dev.azure.com/contoso."));
            list.Add(new ErrorEntry(ErrorIds.InvalidOrganization, PfaErrorKind.InvalidArgument, Area,
                "The organization is not a plain organization name.",
                "Give the name only (contoso for https://dev.azure.com/contoso), or the full URL with -OrganizationUrl."));
            list.Add(new ErrorEntry(ErrorIds.InsecureUrl, PfaErrorKind.SecurityError, Area,
                "A URL from a stored document (or derived from one) broke the URL rule just before a request; nothing was sent.",
                "Fix the stored URL (Set-PfaAzureDevOpsApp -AuthorizationServer, or connect again); never use plain http to a remote host."));
            list.Add(new ErrorEntry(ErrorIds.InvalidPath, PfaErrorKind.InvalidArgument, Area,
                "A path is blank, has a control character, a file name with leading or trailing spaces, or cannot be used (too long, NUL).",
                "Give the path of an ordinary file, for example ~/.ssh/id_rsa_pfa."));
            list.Add(new ErrorEntry(ErrorIds.PathIsFolder, PfaErrorKind.InvalidArgument, Area,
                "The path names a folder where a file is expected.",
                "Give the path of the file itself."));
            list.Add(new ErrorEntry(ErrorIds.PathNotFileSystem, PfaErrorKind.InvalidArgument, Area,
                "The path is on a PowerShell provider other than the file system (for example Cert: or Env:).",
                "Give a file system path."));
            list.Add(new ErrorEntry(ErrorIds.NotARegularFile, PfaErrorKind.InvalidArgument, Area,
                "The path names a device, a FIFO or a socket; it is never read from and never replaced, even with -Force.",
                "Give the path of an ordinary file (or, for output, of one that does not exist yet)."));
            list.Add(new ErrorEntry(ErrorIds.FileTooLarge, PfaErrorKind.LimitsExceeded, Area,
                "The file is far larger than any file of its kind (a key, a certificate, known_hosts, a state file), so it was not read.",
                "Check the path."));
            list.Add(new ErrorEntry(ErrorIds.FileReadTimeout, PfaErrorKind.OperationTimeout, Area,
                "Reading the file took more than 10 seconds, so it was given up.",
                "Check that it is an ordinary local file (not a pipe or a hung network share)."));
            list.Add(new ErrorEntry(ErrorIds.TimeoutInvalid, PfaErrorKind.InvalidArgument, Area,
                "-Timeout is not positive or is longer than one hour.",
                "Give a timeout between one second and one hour, such as -Timeout 00:01:00."));
            list.Add(new ErrorEntry(ErrorIds.ResponseTooLarge, PfaErrorKind.LimitsExceeded, Area,
                "A server answered with more than 4 MB, far more than any answer this module reads; it was not read and nothing was changed.",
                "Check that the URL points at Azure DevOps or its authorization server."));
        }

        private static void AddStore(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "State and secrets on this machine";
            list.Add(new ErrorEntry(ErrorIds.StateHomeNotAbsolute, PfaErrorKind.InvalidArgument, Area,
                "PFA_AZUREDEVOPS_HOME is set to a path that is not absolute.",
                "Set it to a full path, or remove it to use the default location."));
            list.Add(new ErrorEntry(ErrorIds.ElevationRequired, PfaErrorKind.PermissionDenied, Area,
                "Changing the AllUsers (instance) state needs an elevated session.",
                "Run PowerShell as administrator (Windows) or as root (sudo pwsh), or use -Scope CurrentUser."));
            list.Add(new ErrorEntry(ErrorIds.StoreAccessDenied, PfaErrorKind.PermissionDenied, Area,
                "Access to a state folder or file was denied.",
                "For the AllUsers state run elevated; for your own state check the owner and permissions of the folder (or PFA_AZUREDEVOPS_HOME)."));
            list.Add(new ErrorEntry(ErrorIds.StoreFileCorrupt, PfaErrorKind.InvalidData, Area,
                "A state file cannot be read: not JSON, a field of the wrong type, a URL that breaks the rule, or a secret name outside the store. It was left as it is.",
                "Inspect the file, or move it aside to start over (for example Unregister-PfaAzureDevOpsApp -Force), then run the command again."));
            list.Add(new ErrorEntry(ErrorIds.StoreVersionUnsupported, PfaErrorKind.InvalidData, Area,
                "A state file was written by a newer version of the module (its schema version is unknown here). It was left as it is.",
                "Update the module."));
            list.Add(new ErrorEntry(ErrorIds.StoreReadFailed, PfaErrorKind.ResourceUnavailable, Area,
                "A state file could not be read (an I/O error).",
                "Check the file and its folder, then run the command again."));
            list.Add(new ErrorEntry(ErrorIds.StoreWriteFailed, PfaErrorKind.ResourceUnavailable, Area,
                "A state file could not be written (an I/O error). Nothing was changed.",
                "Check the folder and its permissions, then run the command again."));
            list.Add(new ErrorEntry(ErrorIds.StoreLockTimeout, PfaErrorKind.ResourceUnavailable, Area,
                "Another process held the state lock for more than 30 seconds.",
                "Wait for the other PfaAzureDevOps command to finish; if none runs, delete the lock file named in the error."));
            list.Add(new ErrorEntry(ErrorIds.StoreReadOnly, PfaErrorKind.PermissionDenied, Area,
                "The state folder is on a read-only file system. Nothing was changed.",
                "Make it writable, or point PFA_AZUREDEVOPS_HOME at a writable folder."));
            list.Add(new ErrorEntry(ErrorIds.StoreDiskFull, PfaErrorKind.ResourceUnavailable, Area,
                "The disk holding the state is full. Nothing was changed.",
                "Free some space and run the command again."));
            list.Add(new ErrorEntry(ErrorIds.SecretNameInvalid, PfaErrorKind.InvalidData, Area,
                "A state document names a secret that is not a plain name inside the store's secrets folder; it was not read, written or deleted.",
                "Restore the document, or start over (Disconnect-PfaAzureDevOps, Unregister-PfaAzureDevOpsApp -Force, Remove-PfaSshKey -Force)."));
            list.Add(new ErrorEntry(ErrorIds.SecretReadFailed, PfaErrorKind.InvalidData, Area,
                "A secret could not be read from the vault (saved by another account or machine, or damaged).",
                "Store it again (Set-PfaAzureDevOpsApp -ClientSecret, Connect-PfaAzureDevOps, New-PfaSshKey)."));
            list.Add(new ErrorEntry(ErrorIds.SecretWriteFailed, PfaErrorKind.ResourceUnavailable, Area,
                "A secret could not be saved in the vault (keyring, DPAPI or owner-only file). Nothing was changed.",
                "Check the keyring or the secrets folder, then run the command again."));
            list.Add(new ErrorEntry(ErrorIds.ClientSecretMissing, PfaErrorKind.InvalidData, Area,
                "The registered application's client secret is not in the vault.",
                "The administrator stores it again with Set-PfaAzureDevOpsApp -ClientSecret."));
            list.Add(new ErrorEntry(ErrorIds.ClientSecretNotPermitted, PfaErrorKind.PermissionDenied, Area,
                "You are not the administrator nor a member of the OS group the instance's application is shared with.",
                "Ask the administrator to add you to the group (usermod -aG <group> <user>), then log in again."));
            list.Add(new ErrorEntry(ErrorIds.SharedSecretWriteFailed, PfaErrorKind.ResourceUnavailable, Area,
                "The client secret could not be shared with the OS group (-UserGroup). The registration was not changed.",
                "Check the shared/ folder of the AllUsers state, then run the command again as root."));
        }

        private static void AddSshKey(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "The SSH key on this machine";
            list.Add(new ErrorEntry(ErrorIds.SshKeyExists, PfaErrorKind.AlreadyExists, Area,
                "You already have an SSH key; it is never replaced without -Force.",
                "Use the key you have, or add -Force to replace it."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyNotFound, PfaErrorKind.NotFound, Area,
                "You have no SSH key yet.",
                "Run New-PfaSshKey (or Import-PfaSshKey)."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyInvalidType, PfaErrorKind.InvalidArgument, Area,
                "The key type is not one the module makes.",
                "Use Rsa (the only type Azure DevOps accepts), Ed25519 or EcdsaP256."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyInvalidSize, PfaErrorKind.InvalidArgument, Area,
                "The key size is not allowed for the key type.",
                "Give a size the type allows, or leave -Bits out for the default (RSA 4096)."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyTooSmall, PfaErrorKind.InvalidArgument, Area,
                "The imported RSA key is shorter than current SSH clients and servers accept.",
                "Make a new key with New-PfaSshKey (RSA 4096)."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyInvalidComment, PfaErrorKind.InvalidArgument, Area,
                "The key comment is not a single line.",
                "Give a comment without line breaks or NUL characters."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyPassphraseEmpty, PfaErrorKind.InvalidArgument, Area,
                "The passphrase given is empty.",
                "Give a non-empty -Passphrase, or leave it out for an unencrypted key file."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyPrivateKeyMissing, PfaErrorKind.InvalidData, Area,
                "The stored key's private key is missing from the vault.",
                "Run New-PfaSshKey -Force (then add the new key to Azure DevOps)."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyPrivateKeyCorrupt, PfaErrorKind.InvalidData, Area,
                "The stored private key cannot be read back.",
                "Run New-PfaSshKey -Force, or import a backup with Import-PfaSshKey -Force."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyExportExists, PfaErrorKind.AlreadyExists, Area,
                "The file to export to exists already.",
                "Use -Force to overwrite it, or choose another path."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyExportFailed, PfaErrorKind.ResourceUnavailable, Area,
                "The key could not be exported (the folder does not exist, the path is a folder, or the file could not be written).",
                "Create the folder (mkdir -m 700 ~/.ssh) or give another path."));
            list.Add(new ErrorEntry(ErrorIds.SshPrivateKeyFileNotFound, PfaErrorKind.NotFound, Area,
                "The private key file does not exist or cannot be read.",
                "Check the path and its permissions."));
            list.Add(new ErrorEntry(ErrorIds.SshPrivateKeyPassphraseRequired, PfaErrorKind.Authentication, Area,
                "The private key is protected by a passphrase and none was given.",
                "Give -Passphrase."));
            list.Add(new ErrorEntry(ErrorIds.SshPrivateKeyWrongPassphrase, PfaErrorKind.Authentication, Area,
                "The passphrase does not open the private key (or the key is damaged).",
                "Give the right passphrase."));
            list.Add(new ErrorEntry(ErrorIds.SshPrivateKeyCorrupt, PfaErrorKind.InvalidData, Area,
                "The private key is damaged.",
                "Restore it from a backup or make a new key."));
            list.Add(new ErrorEntry(ErrorIds.SshPrivateKeyUnrecognized, PfaErrorKind.InvalidData, Area,
                "The text is not a private key in a format the module reads (OpenSSH or PEM).",
                "Give an OpenSSH or PEM private key."));
            list.Add(new ErrorEntry(ErrorIds.SshPrivateKeyUnsupported, PfaErrorKind.InvalidData, Area,
                "This kind of private key is not supported (another algorithm, several keys in one file, or an unknown cipher).",
                "Use an RSA, Ed25519 or ECDSA P-256 key, one per file."));
            list.Add(new ErrorEntry(ErrorIds.SshPrivateKeyInvalid, PfaErrorKind.InvalidArgument, Area,
                "No private key was given, or it could not be read.",
                "Pass the OpenSSH private key text."));
            list.Add(new ErrorEntry(ErrorIds.SshPrivateKeyEncrypted, PfaErrorKind.InvalidArgument, Area,
                "The private key is protected by a passphrase, which is not supported here.",
                "Use an unencrypted key kept in a secret store."));
            list.Add(new ErrorEntry(ErrorIds.SshPublicKeyFileNotFound, PfaErrorKind.NotFound, Area,
                "The public key file does not exist or cannot be read.",
                "Check the path and its permissions."));
            list.Add(new ErrorEntry(ErrorIds.SshPublicKeyMalformed, PfaErrorKind.InvalidData, Area,
                "The text is not a valid OpenSSH public key line.",
                "Give one line such as ssh-rsa AAAA... comment, or the .pub file."));
            list.Add(new ErrorEntry(ErrorIds.SshPublicKeyIsPrivate, PfaErrorKind.SecurityError, Area,
                "A private key was given where a public key is expected; it was not read further or shown.",
                "Give the public key (.pub file or the ssh-rsa line), never the private key."));
            list.Add(new ErrorEntry(ErrorIds.SshPublicKeyUnsupportedType, PfaErrorKind.InvalidArgument, Area,
                "The public key's type is not supported.",
                "Use an RSA key for Azure DevOps (Ed25519 and ECDSA P-256 are read too)."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyRotationNotRegistered, PfaErrorKind.NotFound, Area,
                "The key to rotate is not registered in the organization.",
                "Add it first (Add-AzDevOpsSshKey), or give the organizations where it is registered."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyRotationAccessCheckFailed, PfaErrorKind.InvalidOperation, Area,
                "The new key could not clone during the rotation, so the old key was kept.",
                "Check the repository URL and the host key, then run Update-PfaSshKey again (it resumes)."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyRotationKeyChanged, PfaErrorKind.InvalidOperation, Area,
                "Your SSH key changed while it was being rotated.",
                "Delete the rotation state file named in the error and run Update-PfaSshKey again."));
        }
    }
}
