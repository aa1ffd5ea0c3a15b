namespace PfaAzureDevOps.Core.Errors
{
    public static partial class ErrorCatalog
    {
        private static void AddRest(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "Calls to Azure DevOps";
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsTimeout, PfaErrorKind.OperationTimeout, Area,
                "A server did not answer one attempt within 30 seconds.",
                "Check the network (and proxy) and try again; Ctrl+C stops any wait at once."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsConnectionFailed, PfaErrorKind.ConnectionError, Area,
                "A server could not be reached (name, network, proxy or TLS).",
                "Check the URL, the network and, for a private server, that its certificate is trusted here."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsInvalidResponse, PfaErrorKind.ProtocolError, Area,
                "Azure DevOps answered with something that is not the expected JSON (for example no organization id). Nothing was stored.",
                "Check that the URL points at Azure DevOps."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsNotAuthenticated, PfaErrorKind.Authentication, Area,
                "Azure DevOps did not accept the access token (invalid or expired).",
                "Run Connect-PfaAzureDevOps to connect again."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsNotAuthorized, PfaErrorKind.PermissionDenied, Area,
                "Azure DevOps refused the connection's access (authorization revoked, or third-party OAuth access turned off).",
                "Connect again; or an organization administrator turns on Third-party application access via OAuth."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsForbidden, PfaErrorKind.PermissionDenied, Area,
                "Azure DevOps does not allow this for the connected user.",
                "Ask an administrator of the organization or project for the permission."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsNotFound, PfaErrorKind.NotFound, Area,
                "Azure DevOps found nothing at the address.",
                "Check the organization, project and repository names (and -OrganizationUrl off dev.azure.com)."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsRateLimited, PfaErrorKind.LimitsExceeded, Area,
                "Azure DevOps is throttling requests (429).",
                "Try again later."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsServerError, PfaErrorKind.ResourceUnavailable, Area,
                "Azure DevOps had a problem answering (HTTP 5xx).",
                "Try again in a few minutes."));
            list.Add(new ErrorEntry(ErrorIds.AzureDevOpsRequestFailed, PfaErrorKind.InvalidOperation, Area,
                "Azure DevOps refused the request (another HTTP status, quoted).",
                "Act on the quoted answer."));
            list.Add(new ErrorEntry(ErrorIds.PersonalAccessTokenEmpty, PfaErrorKind.InvalidArgument, Area,
                "The -PersonalAccessToken given is empty.",
                "Give the token Azure DevOps showed when you made it, as a SecureString."));
            list.Add(new ErrorEntry(ErrorIds.PersonalAccessTokenInvalid, PfaErrorKind.InvalidArgument, Area,
                "The -PersonalAccessToken has white space, a line break or a colon in it, or is far too long.",
                "Copy the token again (one line of letters and digits)."));
        }

        private static void AddAzKey(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "SSH keys in Azure DevOps";
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsOrganizationUnknown, PfaErrorKind.InvalidArgument, Area,
                "No organization was given and none is known from the connection.",
                "Give -Organization (or -OrganizationUrl)."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsVsspsUrlNeedsOneOrganization, PfaErrorKind.InvalidArgument, Area,
                "-VsspsUrl names the key service of one organization, but several were given.",
                "Run the command once per organization, or leave -VsspsUrl out."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyNotRsa, PfaErrorKind.InvalidArgument, Area,
                "Azure DevOps accepts RSA keys only.",
                "Make an RSA key (New-PfaSshKey) and add that."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyAlreadyInUse, PfaErrorKind.AlreadyExists, Area,
                "Azure DevOps already has this key, registered to another user or organization.",
                "Use another key (New-PfaSshKey -Force), or remove it where it is registered."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeysDisabled, PfaErrorKind.PermissionDenied, Area,
                "The organization does not allow SSH keys.",
                "An organization administrator turns SSH authentication on in the organization's policies."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyInvalidDescription, PfaErrorKind.InvalidArgument, Area,
                "The key's description is empty, longer than Azure DevOps allows, or not one line.",
                "Give a -Description of one line, or leave it out."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyInvalidExpiry, PfaErrorKind.InvalidArgument, Area,
                "The expiry date is in the past or too far ahead.",
                "Give an -ExpiresOn within the next year, or leave it out (one year)."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyInvalid, PfaErrorKind.InvalidData, Area,
                "Azure DevOps refused the public key.",
                "Give one RSA public key line (ssh-rsa AAAA...)."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyRefused, PfaErrorKind.InvalidOperation, Area,
                "Azure DevOps refused to add the key for another reason (quoted).",
                "Add it on the web page (User settings > SSH public keys) to see why."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyTokenRefused, PfaErrorKind.Authentication, Area,
                "The SSH key endpoints refused the connection's token.",
                "Give -PersonalAccessToken (a token with the SSH key scope), or connect again."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyNotFound, PfaErrorKind.NotFound, Area,
                "You have no SSH key with that id in the organization.",
                "List them with Get-AzDevOpsSshKey."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyExpired, PfaErrorKind.InvalidOperation, Area,
                "This key is registered in the organization but expired, and Azure DevOps does not take the same key twice.",
                "Remove the expired one (Remove-AzDevOpsSshKey) and add the key again, or rotate to a new key (Update-PfaSshKey)."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyExpiring, PfaErrorKind.InvalidOperation, Area,
                "Test-PfaAzureDevOpsIntegration: your key in the organization expires in less than 7 days; clones stop then (a check result, not an error record).",
                "Rotate it now without downtime (Update-PfaSshKey), and run Update-PfaSshKey -ExpiringWithinDays 30 daily."));
            list.Add(new ErrorEntry(ErrorIds.AzDevOpsSshKeyInvalidResponse, PfaErrorKind.ProtocolError, Area,
                "The key service answered with something of the wrong shape; nothing is guessed.",
                "Check that the organization URL points at Azure DevOps; try again later."));
        }

        private static void AddGit(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "Clone access over SSH (git)";
            list.Add(new ErrorEntry(ErrorIds.GitUrlInvalid, PfaErrorKind.InvalidArgument, Area,
                "The repository URL is not an SSH remote the module accepts.",
                "Give ssh://[user@]host[:port]/path or scp-style [user@]host:path, such as git@ssh.dev.azure.com:v3/org/project/repo."));
            list.Add(new ErrorEntry(ErrorIds.HostKeyFingerprintInvalid, PfaErrorKind.InvalidArgument, Area,
                "-HostKeyFingerprint is not a SHA256 fingerprint.",
                "Give it as ssh-keygen -lf shows it (SHA256:...)."));
            list.Add(new ErrorEntry(ErrorIds.KnownHostsUnreadable, PfaErrorKind.ResourceUnavailable, Area,
                "The known_hosts file given cannot be read.",
                "Check -KnownHostsPath."));
            list.Add(new ErrorEntry(ErrorIds.SshHostKeyUnknown, PfaErrorKind.SecurityError, Area,
                "The server's host key is not the pinned one and not in known_hosts; no host key is trusted on first use.",
                "Give -HostKeyFingerprint or -KnownHostsPath after checking the key with the server's owner."));
            list.Add(new ErrorEntry(ErrorIds.SshHostKeyMismatch, PfaErrorKind.SecurityError, Area,
                "The server's host key differs from the one expected (possibly an attack).",
                "Check with the server's owner before trusting the new key."));
            list.Add(new ErrorEntry(ErrorIds.SshHostUnreachable, PfaErrorKind.ConnectionError, Area,
                "The SSH server could not be reached.",
                "Check the host name, the port and the network."));
            list.Add(new ErrorEntry(ErrorIds.SshTimeout, PfaErrorKind.OperationTimeout, Area,
                "The SSH server did not answer in time.",
                "Check the network and try again (-Timeout for more time)."));
            list.Add(new ErrorEntry(ErrorIds.SshConnectionFailed, PfaErrorKind.ConnectionError, Area,
                "The SSH connection failed.",
                "Check the host and the network, and try again."));
            list.Add(new ErrorEntry(ErrorIds.SshKeyNotAuthorized, PfaErrorKind.Authentication, Area,
                "The server did not accept your SSH key.",
                "Add the key to Azure DevOps (Add-AzDevOpsSshKey) and check you may read the repository."));
            list.Add(new ErrorEntry(ErrorIds.GitRepositoryNotFound, PfaErrorKind.NotFound, Area,
                "The repository does not exist or your key may not read it.",
                "Check the URL and your permissions on the repository."));
            list.Add(new ErrorEntry(ErrorIds.GitUploadPackFailed, PfaErrorKind.ProtocolError, Area,
                "The server did not answer like a git server.",
                "Check that the server is a git server and the path is a repository."));
            list.Add(new ErrorEntry(ErrorIds.GitNotInstalled, PfaErrorKind.NotInstalled, Area,
                "git is not installed or not on PATH.",
                "Install git."));
            list.Add(new ErrorEntry(ErrorIds.GitCommandFailed, PfaErrorKind.InvalidOperation, Area,
                "git failed (its message is quoted).",
                "Act on git's message."));
            list.Add(new ErrorEntry(ErrorIds.GitDestinationInvalid, PfaErrorKind.InvalidArgument, Area,
                "No destination folder was given for the clone.",
                "Give a path that does not exist yet, or an empty folder."));
            list.Add(new ErrorEntry(ErrorIds.GitDestinationNotEmpty, PfaErrorKind.AlreadyExists, Area,
                "The clone destination exists and is not an empty folder.",
                "Give a new path, or fetch into the existing clone (Update-PfaAzureDevOpsRepository)."));
            list.Add(new ErrorEntry(ErrorIds.GitRepositoryPathInvalid, PfaErrorKind.InvalidArgument, Area,
                "The path is not an existing folder (a git clone).",
                "Give the folder of a clone."));
            list.Add(new ErrorEntry(ErrorIds.GitRemoteUnknown, PfaErrorKind.InvalidArgument, Area,
                "The folder is not a git clone with an origin remote.",
                "Give the clone's folder, or the URL with -RepositoryUrl."));
            list.Add(new ErrorEntry(ErrorIds.GitBranchUnknown, PfaErrorKind.InvalidArgument, Area,
                "The clone has no current branch (detached HEAD).",
                "Give the branch to fetch with -Branch."));
            list.Add(new ErrorEntry(ErrorIds.GitBranchInvalid, PfaErrorKind.InvalidArgument, Area,
                "The branch name is not valid.",
                "Give a branch name such as main or release/1.0."));
            list.Add(new ErrorEntry(ErrorIds.GitDepthInvalid, PfaErrorKind.InvalidArgument, Area,
                "-Depth is not a positive number.",
                "Give a depth of 1 or more, or leave it out."));
        }

        private static void AddAny(System.Collections.Generic.List<ErrorEntry> list)
        {
            const string Area = "Any cmdlet";
            list.Add(new ErrorEntry(ErrorIds.ConfirmationRequired, PfaErrorKind.InvalidOperation, Area,
                "The command asks for confirmation and nobody can answer in this session (non-interactive). Nothing was changed.",
                "Add -Force (or -Confirm:$false) to go ahead, or -WhatIf to see what it would do."));
            list.Add(new ErrorEntry(ErrorIds.InvalidArgument, PfaErrorKind.InvalidArgument, Area,
                "A value was refused by .NET itself, not by a rule of the module.",
                "Check the value; please report it, so the module gets a rule with its own id."));
            list.Add(new ErrorEntry(ErrorIds.UnexpectedError, PfaErrorKind.NotSpecified, Area,
                "A failure the module did not foresee (a defect).",
                "Report it with the message and $Error[0].Exception.ToString()."));
        }
    }
}
