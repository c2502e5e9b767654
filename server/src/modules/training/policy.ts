/** Trainers manage courses, questions, stages and thresholds. */
export const TRAINING_MANAGE = 'training:manage';
