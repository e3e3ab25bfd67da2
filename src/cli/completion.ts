/** Shell completion scripts for bash, zsh and fish, generated from the command list. */
import type { Command } from './command.js';

export function completionScript(shell: string, program: string, commands: Command[]): string | undefined {
  const names = [...commands.flatMap((command) => [command.name, ...(command.aliases ?? [])]), 'help'];
  const fn = `_${program.replace(/[^A-Za-z0-9]/g, '_')}`;
  const optionCases = commands
    .map(
      (command) =>
        `    ${[command.name, ...(command.aliases ?? [])].join('|')}) opts="${[...(command.options ?? []), '--help'].join(' ')}" ;;`,
    )
    .join('\n');
  switch (shell) {
    case 'bash':
      return `# bash completion for ${program}; add to ~/.bashrc: source <(${program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${names.join(' ')} --help --version" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${optionCases}
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -o default -F ${fn} ${program}
`;
    case 'zsh':
      return `#compdef ${program}
# zsh completion for ${program}; add to ~/.zshrc: source <(${program} completion zsh)
autoload -U bashcompinit && bashcompinit
${completionScript('bash', program, commands)}`;
    case 'fish':
      return (
        `# fish completion for ${program}: ${program} completion fish > ~/.config/fish/completions/${program}.fish\n` +
        `complete -c ${program} -f -n '__fish_use_subcommand' -a '${names.join(' ')}'\n` +
        commands
          .map((command) =>
            (command.options ?? [])
              .filter((option) => option.startsWith('--'))
              .map(
                (option) =>
                  `complete -c ${program} -f -n '__fish_seen_subcommand_from ${command.name}' -l ${option.slice(2)}`,
              )
              .join('\n'),
          )
          .filter(Boolean)
          .join('\n') +
        '\n'
      );
    default:
      return undefined;
  }
}
