/** `org.freedesktop.Secret.Session` and `org.freedesktop.Secret.Prompt` (reference notes §1.5): one method each, nearly. */
import type { Interface, MockContext } from './objects.js';

export function sessionInterface(context: MockContext, path: string): Interface {
  return {
    methods: {
      Close: {
        in: '',
        out: '',
        call() {
          context.sessions.close(path);
          return [];
        },
      },
    },
  };
}

export function promptInterface(context: MockContext, path: string): Interface {
  return {
    methods: {
      Prompt: {
        in: 's',
        out: '',
        call({ sender, afterReply }) {
          const behaviour = context.scenario.prompts;
          afterReply(() => context.prompts.prompt(path, sender, behaviour));
          return [];
        },
      },
      Dismiss: {
        in: '',
        out: '',
        call({ sender, afterReply }) {
          afterReply(() => context.prompts.dismiss(path, sender));
          return [];
        },
      },
    },
  };
}
